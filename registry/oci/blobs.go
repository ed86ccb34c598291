package oci

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

// Artifact is an image or an index: a v1.Image or a v1.ImageIndex. It is
// what every source opens and every output writes.
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

// fileBacked is a layer whose compressed blob is a finished file on disk
// (lading's own layers), which a layout links instead of copying.
type fileBacked interface{ Path() string }

// blobsOf lists every blob the artifacts need (manifests, configs,
// layers), once each, sorted by digest.
func blobsOf(as ...Artifact) ([]blob, error) {
	seen := map[v1.Hash]blob{}
	for _, a := range as {
		if err := collectBlobs(a, seen); err != nil {
			return nil, err
		}
	}
	out := make([]blob, 0, len(seen))
	for _, b := range seen {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b blob) int { return strings.Compare(a.digest.String(), b.digest.String()) })
	return out, nil
}

// collectBlobs adds to seen every blob a needs.
func collectBlobs(a Artifact, seen map[v1.Hash]blob) error {
	return Walk(a, func(n *Node) error {
		raw, err := n.Artifact.RawManifest()
		if err != nil {
			return fmt.Errorf("read manifest %s: %w", n.Digest, err)
		}
		seen[n.Digest] = bytesBlob(n.Digest, raw)
		if n.Config == nil {
			return nil
		}
		for _, l := range append([]v1.Layer{n.Config}, n.Layers...) {
			b, err := layerBlob(l)
			if err != nil {
				return fmt.Errorf("image %s: %w", n.Digest, err)
			}
			seen[b.digest] = b
		}
		return nil
	})
}

// layerBlob describes a layer (or a config read as one) as a blob.
func layerBlob(l v1.Layer) (blob, error) {
	d, err := l.Digest()
	if err != nil {
		return blob{}, fmt.Errorf("digest layer: %w", err)
	}
	size, err := l.Size()
	if err != nil {
		return blob{}, fmt.Errorf("size layer %s: %w", d, err)
	}
	b := blob{digest: d, size: size, open: l.Compressed}
	if fb, ok := l.(fileBacked); ok {
		b.file = fb.Path()
	}
	return b, nil
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
