package oci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// layoutIndex is an index read from an OCI layout: index.json itself, or
// an index blob. lading reads layouts itself rather than through ggcr's
// layout package, which reads index.json, manifests and configs whole
// whatever their size and never checks a manifest or config against its
// digest (issue 13). Here every blob read whole is capped (bounds.go) and
// verified against the descriptor that named it before it is used.
type layoutIndex struct {
	dir string
	mt  types.MediaType
	raw []byte
}

var _ v1.ImageIndex = (*layoutIndex)(nil)

// readLayoutTop reads dir's index.json (a regular file, MaxIndexSize at
// most), which no digest names.
func readLayoutTop(dir string) (*layoutIndex, error) {
	raw, err := readBounded(filepath.Join(dir, "index.json"), MaxIndexSize)
	if err != nil {
		return nil, fmt.Errorf("read index.json: %w", err)
	}
	return &layoutIndex{dir: dir, mt: types.OCIImageIndex, raw: raw}, nil
}

// readLayoutBlob reads the blob desc names, whole, capped at max bytes
// and checked against desc's size and digest.
func readLayoutBlob(dir string, desc v1.Descriptor, max int64, what string) ([]byte, error) {
	if err := CheckDeclared(desc, max, what); err != nil {
		return nil, err
	}
	b, err := readBounded(filepath.Join(dir, "blobs", desc.Digest.Algorithm, desc.Digest.Hex), max)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", what, desc.Digest, err)
	}
	if err := CheckBlob(b, desc); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return b, nil
}

func (i *layoutIndex) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *layoutIndex) Digest() (v1.Hash, error)            { return partial.Digest(i) }
func (i *layoutIndex) Size() (int64, error)                { return int64(len(i.raw)), nil }
func (i *layoutIndex) RawManifest() ([]byte, error)        { return i.raw, nil }

// IndexManifest implements v1.ImageIndex.
func (i *layoutIndex) IndexManifest() (*v1.IndexManifest, error) {
	var im v1.IndexManifest
	if err := json.Unmarshal(i.raw, &im); err != nil {
		return nil, err
	}
	return &im, nil
}

// find returns the entry of this index with digest h.
func (i *layoutIndex) find(h v1.Hash) (v1.Descriptor, error) {
	im, err := i.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, d := range im.Manifests {
		if d.Digest == h {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("no entry %s in the index", h)
}

// Image implements v1.ImageIndex.
func (i *layoutIndex) Image(h v1.Hash) (v1.Image, error) {
	desc, err := i.find(h)
	if err != nil {
		return nil, err
	}
	if !desc.MediaType.IsImage() {
		return nil, fmt.Errorf("entry %s has media type %q, not an image manifest's", h, desc.MediaType)
	}
	raw, err := readLayoutBlob(i.dir, desc, MaxIndexSize, "manifest")
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&layoutImage{dir: i.dir, desc: desc, raw: raw})
}

// ImageIndex implements v1.ImageIndex.
func (i *layoutIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	desc, err := i.find(h)
	if err != nil {
		return nil, err
	}
	if !desc.MediaType.IsIndex() {
		return nil, fmt.Errorf("entry %s has media type %q, not an index's", h, desc.MediaType)
	}
	raw, err := readLayoutBlob(i.dir, desc, MaxIndexSize, "index")
	if err != nil {
		return nil, err
	}
	return &layoutIndex{dir: i.dir, mt: desc.MediaType, raw: raw}, nil
}

// layoutImage is an image manifest read from a layout, verified; its
// config is read on first use, capped and verified.
type layoutImage struct {
	dir  string
	desc v1.Descriptor
	raw  []byte

	once   sync.Once
	config []byte
	err    error
}

var _ partial.CompressedImageCore = (*layoutImage)(nil)

func (li *layoutImage) MediaType() (types.MediaType, error) { return li.desc.MediaType, nil }
func (li *layoutImage) RawManifest() ([]byte, error)        { return li.raw, nil }

// RawConfigFile implements partial.CompressedImageCore.
func (li *layoutImage) RawConfigFile() ([]byte, error) {
	li.once.Do(func() {
		m, err := v1.ParseManifest(bytes.NewReader(li.raw))
		if err != nil {
			li.err = fmt.Errorf("parse manifest %s: %w", li.desc.Digest, err)
			return
		}
		li.config, li.err = readLayoutBlob(li.dir, m.Config, MaxConfigSize, "config")
	})
	return li.config, li.err
}

// LayerByDigest implements partial.CompressedImageCore: the config from
// its verified bytes, a layer as a file streamed when read (layer.ReadTree
// and copyBlob verify it then).
func (li *layoutImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := v1.ParseManifest(bytes.NewReader(li.raw))
	if err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", li.desc.Digest, err)
	}
	if h == m.Config.Digest {
		raw, err := li.RawConfigFile()
		if err != nil {
			return nil, err
		}
		return &layoutBlob{desc: m.Config, open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }}, nil
	}
	for _, d := range m.Layers {
		if d.Digest == h {
			path := filepath.Join(li.dir, "blobs", d.Digest.Algorithm, d.Digest.Hex)
			return &layoutBlob{desc: d, open: func() (io.ReadCloser, error) { return openRegular(path) }}, nil
		}
	}
	return nil, fmt.Errorf("manifest %s names no blob %s", li.desc.Digest, h)
}

// layoutBlob is a layer or config blob of a layout, as its descriptor
// names it.
type layoutBlob struct {
	desc v1.Descriptor
	open func() (io.ReadCloser, error)
}

var _ partial.CompressedLayer = (*layoutBlob)(nil)

func (b *layoutBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *layoutBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *layoutBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b *layoutBlob) Compressed() (io.ReadCloser, error)  { return b.open() }
func (b *layoutBlob) Descriptor() (*v1.Descriptor, error) { d := b.desc; return &d, nil }
