package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// AnnotationRefName names an entry of an OCI layout's index.json.
const AnnotationRefName = "org.opencontainers.image.ref.name"

const layoutFile = `{"imageLayoutVersion":"1.0.0"}`

// WriteLayout writes a into the OCI image layout at dir under refName,
// creating the layout or updating it. An entry already named refName is
// replaced, not duplicated. Blobs land under a temp name and are renamed;
// a blob already present is kept only if its content matches its digest.
// index.json is replaced last, so it never names a missing blob. A layout
// that did not exist is built beside dir and renamed into place whole.
//
// referrers are OCI 1.1 artifacts (an SBOM, an attestation) whose subject
// is a manifest of a, or another of referrers: their blobs are written
// too, and index.json gets an entry for each, after the other entries,
// carrying AnnotationReferrerSubject and no ref name (see there). A
// referrer entry whose subject is no longer reachable from any other
// entry, because the ref it described was replaced, is dropped; its blobs
// stay, as the blobs of a replaced ref do.
//
// Concurrent writers, in this process or others, take turns: an update
// holds an exclusive lock on index.json.lock beside index.json, and a
// writer whose new layout lost the race to create dir adds to the one that
// won (issue 13, case 17: ten builds into one layout each printed success
// while index.json kept only some of their refs, and concurrent first
// builds failed with "file exists").
func WriteLayout(ctx context.Context, dir string, a Artifact, refName string, referrers ...v1.Image) error {
	entries, err := referrerEntries(a, referrers)
	if err != nil {
		return fmt.Errorf("write OCI layout %s: %w", dir, err)
	}
	w := layoutWrite{a: a, refName: refName, referrers: referrers, entries: entries}
	removeStaleTemps(dir)
	_, err = os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := w.writeNew(ctx, dir); !errors.Is(err, errLayoutAppeared) {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("stat OCI layout %s: %w", dir, err)
	}
	if err := CheckLayout(dir); err != nil {
		return err
	}
	unlock, err := lockLayout(dir)
	if err != nil {
		return err
	}
	defer unlock()
	return w.update(ctx, dir)
}

// layoutWrite is what one WriteLayout adds to a layout.
type layoutWrite struct {
	a         Artifact
	refName   string
	referrers []v1.Image
	entries   []v1.Descriptor // of referrers, for index.json
}

// removeStaleTemps removes, once per write, what a killed writer left in
// or beside a layout: a half-built new layout, half-written blobs and
// index.json, once they are atomicfile.StaleAge old.
func removeStaleTemps(dir string) {
	atomicfile.RemoveStaleTemps(dir)
	atomicfile.RemoveStaleTemps(filepath.Join(dir, "index.json"))
	atomicfile.RemoveStale(filepath.Join(dir, "blobs", "sha256"), ".*.tmp")
}

// errLayoutAppeared is writeNewLayout losing the race to create the layout.
var errLayoutAppeared = errors.New("another writer created the layout first")

// writeNew builds the layout in a sibling temp dir, then renames it.
func (w layoutWrite) writeNew(ctx context.Context, dir string) (err error) {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create parent of OCI layout %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create OCI layout %s: %w", dir, atomicfile.Cause(err))
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			err = relabeled{err, tmp, dir}
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("create OCI layout %s: %w", dir, err)
	}
	if err := w.update(ctx, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "index.json")); serr == nil {
			os.RemoveAll(tmp)
			return errLayoutAppeared
		}
		return fmt.Errorf("move OCI layout into %s: %w", dir, atomicfile.Cause(err))
	}
	return nil
}

// update adds the blobs of w's artifact and referrers, and their index
// entries, to the layout at dir.
func (w layoutWrite) update(ctx context.Context, dir string) error {
	idx, err := readLayoutIndex(dir)
	if err != nil {
		return err
	}
	blobs, err := blobsOf(artifacts(w.a, w.referrers)...)
	if err != nil {
		return err
	}
	blobDir := filepath.Join(dir, "blobs", "sha256")
	for _, d := range []string{filepath.Dir(blobDir), blobDir} {
		if err := ensureDir(d); err != nil {
			return err
		}
	}
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := putBlob(filepath.Join(blobDir, b.digest.Hex), b); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(filepath.Join(dir, "oci-layout"), 0o644, writeString(layoutFile)); err != nil {
		return err
	}
	desc, err := descriptor(w.a)
	if err != nil {
		return err
	}
	idx.Manifests = pruneReferrers(dir, withReferrers(replaceRef(idx.Manifests, desc, w.refName), w.entries))
	raw, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("encode index.json: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, "index.json"), 0o644, writeString(string(raw)))
}

// putBlob stores b at path unless a file with the right content is there.
// A blob that is already a finished file on the same file system is hard
// linked into place instead of copied: a 2 GiB layer is not written twice.
func putBlob(path string, b blob) error {
	if fileHasDigest(path, b.digest) {
		return nil
	}
	if b.file != "" && linkBlob(b.file, path) == nil {
		return nil
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return copyBlob(w, b) })
}

// linkBlob hard links src to a temp name beside dst and renames it over
// dst, so dst appears whole. It fails across file systems; the caller then
// copies.
func linkBlob(src, dst string) error {
	tmp := dst + ".link.tmp"
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// readLayoutIndex reads dir's index.json, or returns an empty index when dir
// is empty. A non-empty directory that is not a layout is an error.
func readLayoutIndex(dir string) (*v1.IndexManifest, error) {
	empty := &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}
	raw, err := readBounded(filepath.Join(dir, "index.json"), MaxIndexSize)
	if errors.Is(err, fs.ErrNotExist) {
		names, derr := os.ReadDir(dir)
		if derr != nil {
			return nil, fmt.Errorf("read OCI layout %s: %w", dir, derr)
		}
		if len(names) > 0 {
			return nil, fmt.Errorf("write OCI layout %s: the directory exists, is not empty and has no index.json; choose another path or remove it", dir)
		}
		return empty, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read OCI layout index %s: %w", dir, err)
	}
	idx := &v1.IndexManifest{}
	if err := json.Unmarshal(raw, idx); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, "index.json"), err)
	}
	return idx, nil
}

// replaceRef drops entries named refName (or, with no name, entries of the
// same digest and no name) and appends desc under refName.
func replaceRef(ms []v1.Descriptor, desc v1.Descriptor, refName string) []v1.Descriptor {
	out := make([]v1.Descriptor, 0, len(ms)+1)
	for _, m := range ms {
		name := m.Annotations[AnnotationRefName]
		if name == refName && (refName != "" || m.Digest == desc.Digest) {
			continue
		}
		out = append(out, m)
	}
	if refName != "" {
		desc.Annotations = map[string]string{AnnotationRefName: refName}
	}
	return append(out, desc)
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// ensureDir creates dir with mode 0755 whatever the umask, so a layout is
// readable by whoever can read its index.json; an existing dir is kept.
func ensureDir(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}
