package registry

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Artifact is an image or an index: a v1.Image or a v1.ImageIndex.
type Artifact interface {
	MediaType() (types.MediaType, error)
	Digest() (v1.Hash, error)
	Size() (int64, error)
	RawManifest() ([]byte, error)
}

// blob is one content-addressed blob and how to read it.
type blob struct {
	digest v1.Hash
	size   int64
	open   func() (io.ReadCloser, error)
	// file is where a file-backed layer's blob already lies on disk
	// (lading's own layers), so a layout can link it instead of copying.
	file string
}

// fileBacked is a layer whose compressed blob is a finished file.
type fileBacked interface{ Path() string }

// blobsOf lists every blob a artifact needs (manifests, configs, layers),
// once each, sorted by digest.
func blobsOf(a Artifact) ([]blob, error) {
	seen := map[v1.Hash]blob{}
	if err := collectBlobs(a, seen); err != nil {
		return nil, err
	}
	out := make([]blob, 0, len(seen))
	for _, b := range seen {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b blob) int { return strings.Compare(a.digest.String(), b.digest.String()) })
	return out, nil
}

// collectBlobs adds a's manifest and everything it references to seen.
func collectBlobs(a Artifact, seen map[v1.Hash]blob) error {
	raw, err := a.RawManifest()
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	d, err := a.Digest()
	if err != nil {
		return fmt.Errorf("digest manifest: %w", err)
	}
	seen[d] = bytesBlob(d, raw)
	switch a := a.(type) {
	case v1.Image:
		return imageBlobs(a, seen)
	case v1.ImageIndex:
		return indexBlobs(a, seen)
	}
	return fmt.Errorf("unsupported artifact %T", a)
}

// imageBlobs adds an image's config and layers.
func imageBlobs(img v1.Image, seen map[v1.Hash]blob) error {
	cfg, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	name, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("digest config: %w", err)
	}
	seen[name] = bytesBlob(name, cfg)
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("list layers: %w", err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return fmt.Errorf("digest layer: %w", err)
		}
		size, err := l.Size()
		if err != nil {
			return fmt.Errorf("size layer %s: %w", d, err)
		}
		b := blob{digest: d, size: size, open: l.Compressed}
		if fb, ok := l.(fileBacked); ok {
			b.file = fb.Path()
		}
		seen[d] = b
	}
	return nil
}

// indexBlobs adds every child manifest of an index, recursively.
func indexBlobs(idx v1.ImageIndex, seen map[v1.Hash]blob) error {
	children, err := partial.Manifests(idx)
	if err != nil {
		return fmt.Errorf("list index manifests: %w", err)
	}
	for _, c := range children {
		a, ok := c.(Artifact)
		if !ok {
			return fmt.Errorf("index child %T is not an image or index", c)
		}
		if err := collectBlobs(a, seen); err != nil {
			return err
		}
	}
	return nil
}

func bytesBlob(d v1.Hash, b []byte) blob {
	return blob{digest: d, size: int64(len(b)), open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// descriptor returns the descriptor of a, with platform for an image.
func descriptor(a Artifact) (v1.Descriptor, error) {
	desc, err := partial.Descriptor(a)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("describe artifact: %w", err)
	}
	if img, ok := a.(v1.Image); ok {
		if cf, err := img.ConfigFile(); err == nil {
			desc.Platform = cf.Platform()
		}
		if m, err := img.Manifest(); err == nil && m.ArtifactType == "" {
			desc.ArtifactType = "" // an image, not an artifact (see manifest.Index)
		}
	}
	return *desc, nil
}
