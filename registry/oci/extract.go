package oci

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
)

// extract unpacks, from the oci-archive at path into dir, index.json,
// oci-layout and the blobs they name, no others (issue 13: an archive is
// untrusted). It reads the archive once per level of the image graph
// (index.json, indexes, manifests, their configs and layers); tar skips
// the content of other entries by seeking. What is written never exceeds
// the archive's own size (sparse members, which archive/tar would expand,
// are refused by layer.EachHeader); blobs are verified when read, as in
// any layout.
func extract(ctx context.Context, path, dir string) error {
	x, err := newExtraction(path, dir)
	if err != nil {
		return err
	}
	defer x.f.Close()
	if err := x.pass(ctx, func(name string) bool { return name == "index.json" || name == "oci-layout" }); err != nil {
		return err
	}
	top, err := readLayoutTop(dir)
	if err != nil {
		return err
	}
	im, err := top.IndexManifest()
	if err != nil {
		return fmt.Errorf("parse index.json: %w", err)
	}
	for want := im.Manifests; len(want) > 0; {
		if want, err = x.level(ctx, want); err != nil {
			return err
		}
	}
	return nil
}

// extraction is one archive being extracted.
type extraction struct {
	f    *os.File
	dir  string
	left int64 // bytes that may still be written: the archive's size
	done map[v1.Hash]bool
}

func newExtraction(path, dir string) (*extraction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, errors.Join(err, fmt.Errorf("%s is not a regular file", path))
	}
	return &extraction{f: f, dir: dir, left: fi.Size(), done: map[v1.Hash]bool{}}, nil
}

// level extracts the blobs of want and returns the descriptors the
// manifests and indexes among them name.
func (x *extraction) level(ctx context.Context, want []v1.Descriptor) ([]v1.Descriptor, error) {
	names := map[string]bool{}
	for _, d := range want {
		if !x.done[d.Digest] && d.Digest.Algorithm == "sha256" {
			names[filepath.Join("blobs", "sha256", d.Digest.Hex)] = true
		}
		x.done[d.Digest] = true
	}
	if len(names) == 0 {
		return nil, nil
	}
	if err := x.pass(ctx, func(name string) bool { return names[name] }); err != nil {
		return nil, err
	}
	var next []v1.Descriptor
	for _, d := range want {
		next = append(next, x.children(d)...)
	}
	return next, nil
}

// children lists what the manifest or index d names; nothing for any
// other blob, or one that is missing or unreadable (opening the layout
// reports that, naming the blob).
func (x *extraction) children(d v1.Descriptor) []v1.Descriptor {
	if !d.MediaType.IsImage() && !d.MediaType.IsIndex() {
		return nil
	}
	raw, err := readLayoutBlob(x.dir, d, MaxIndexSize, "manifest")
	if err != nil {
		return nil
	}
	var m struct {
		Config    *v1.Descriptor
		Layers    []v1.Descriptor
		Manifests []v1.Descriptor
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	if m.Config != nil {
		m.Layers = append(m.Layers, *m.Config)
	}
	return append(m.Layers, m.Manifests...)
}

// pass reads the archive from its start and extracts the regular files
// whose clean name keep accepts.
func (x *extraction) pass(ctx context.Context, keep func(string) bool) error {
	if _, err := x.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return layer.EachHeader(x.f, func(h *tar.Header, r io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("entry %q escapes the archive", h.Name)
		}
		if h.Typeflag != tar.TypeReg || !keep(name) {
			return nil
		}
		return x.one(r, h, name)
	})
}

// one writes an entry's content, within what the archive's size leaves.
func (x *extraction) one(r io.Reader, h *tar.Header, name string) error {
	if h.Size > x.left {
		return fmt.Errorf("entry %q holds %d bytes, more than the archive itself", h.Name, h.Size)
	}
	x.left -= h.Size
	target := filepath.Join(x.dir, name)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	out, err := os.Create(target)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.LimitReader(r, h.Size))
	return errors.Join(err, out.Close())
}
