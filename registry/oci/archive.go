package oci

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// WriteOCIArchive writes a as an oci-archive: an OCI image layout packed in
// one tar, with a under refName. The tar is byte-for-byte deterministic:
// sorted entries, root-owned, fixed modes, every mtime the epoch.
// referrers are written beside a as WriteLayout writes them.
func WriteOCIArchive(ctx context.Context, path string, a Artifact, refName string, epoch time.Time, referrers ...v1.Image) error {
	entries, err := referrerEntries(a, referrers)
	if err != nil {
		return fmt.Errorf("write oci-archive %s: %w", path, err)
	}
	blobs, err := blobsOf(artifacts(a, referrers)...)
	if err != nil {
		return err
	}
	desc, err := descriptor(a)
	if err != nil {
		return err
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex,
		Manifests: withReferrers(replaceRef(nil, desc, refName), entries)}
	index, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("encode index.json: %w", err)
	}
	return writeBlobArchive(ctx, path, epoch, blobs, namedFile{"index.json", index}, namedFile{"oci-layout", []byte(layoutFile)})
}

// namedFile is a small file placed after the blobs of an archive.
type namedFile struct {
	name string
	data []byte
}

// writeBlobArchive writes, atomically, a tar of blobs under blobs/sha256/
// followed by files, in that (sorted) order.
func writeBlobArchive(ctx context.Context, path string, epoch time.Time, blobs []blob, files ...namedFile) error {
	atomicfile.RemoveStaleTemps(path) // left by a killed build
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		t := newArchive(w, epoch)
		t.dir("blobs/")
		t.dir("blobs/sha256/")
		for _, b := range blobs {
			t.blob(ctx, "blobs/sha256/"+b.digest.Hex, b)
		}
		for _, f := range files {
			t.file(f.name, f.data)
		}
		return t.close()
	})
}

// dockerManifest is one entry of a docker-archive's manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// WriteDockerArchive writes img in the `docker save` format that
// `docker load` and `podman load` read: manifest.json naming the config,
// the layers in order and repoTags, with blobs stored under blobs/sha256
// as docker 25 and later write them. Deterministic like WriteOCIArchive.
func WriteDockerArchive(ctx context.Context, path string, img v1.Image, repoTags []string, epoch time.Time) error {
	blobs, err := blobsOf(img)
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	dm := dockerManifest{Config: "blobs/sha256/" + m.Config.Digest.Hex, RepoTags: repoTags}
	if dm.RepoTags == nil {
		dm.RepoTags = []string{}
	}
	for _, l := range m.Layers {
		dm.Layers = append(dm.Layers, "blobs/sha256/"+l.Digest.Hex)
	}
	manifest, err := json.Marshal([]dockerManifest{dm})
	if err != nil {
		return fmt.Errorf("encode manifest.json: %w", err)
	}
	return writeBlobArchive(ctx, path, epoch, blobs, namedFile{"manifest.json", manifest})
}

// archive writes a deterministic tar, keeping the first error.
type archive struct {
	tw    *tar.Writer
	epoch time.Time
	err   error
}

func newArchive(w io.Writer, epoch time.Time) *archive {
	return &archive{tw: tar.NewWriter(w), epoch: epoch.UTC().Truncate(time.Second)}
}

// header is the fixed header every archive entry starts from.
func (t *archive) header(name string, typ byte, mode, size int64) *tar.Header {
	return &tar.Header{Format: tar.FormatPAX, Name: name, Typeflag: typ, Mode: mode, Size: size, ModTime: t.epoch}
}

func (t *archive) dir(name string) {
	if t.err == nil {
		t.err = t.tw.WriteHeader(t.header(name, tar.TypeDir, 0o755, 0))
	}
}

func (t *archive) file(name string, data []byte) {
	if t.err != nil {
		return
	}
	if t.err = t.tw.WriteHeader(t.header(name, tar.TypeReg, 0o644, int64(len(data)))); t.err == nil {
		_, t.err = t.tw.Write(data)
	}
}

func (t *archive) blob(ctx context.Context, name string, b blob) {
	if t.err != nil {
		return
	}
	if t.err = ctx.Err(); t.err != nil {
		return
	}
	if t.err = t.tw.WriteHeader(t.header(name, tar.TypeReg, 0o644, b.size)); t.err == nil {
		t.err = copyBlob(t.tw, b)
	}
}

func (t *archive) close() error {
	if t.err != nil {
		return t.err
	}
	return t.tw.Close()
}
