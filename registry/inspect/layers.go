package inspect

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/registry/oci"
)

// imageLayers describes img's layers as its manifest and config name
// them, for layer.EachEntry to check their bytes against.
func imageLayers(img v1.Image) ([]layer.BaseLayer, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", m.Config.Digest, err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("read image: its config %s lists %d rootfs.diff_ids for %d layers; the image is broken",
			m.Config.Digest, len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	out := make([]layer.BaseLayer, len(m.Layers))
	for i, d := range m.Layers {
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("open layer %d (%s): %w", i+1, d.Digest, err)
		}
		out[i] = layer.BaseLayer{Digest: d.Digest, Size: d.Size, MediaType: d.MediaType,
			DiffID: cf.RootFS.DiffIDs[i], Open: l.Compressed}
	}
	return out, nil
}

// AsImage returns a as an image, or, for an index, an error saying to
// pick one with --platform.
func AsImage(a oci.Artifact) (v1.Image, error) {
	img, ok := a.(v1.Image)
	if !ok {
		return nil, fmt.Errorf("it is an index: pick one image with --platform (lading inspect lists its platforms)")
	}
	return img, nil
}
