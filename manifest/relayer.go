package manifest

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Relayered returns img with its layers replaced, in order, by layers, which
// must hold the same content (the same diffIDs) compressed another way. The
// config is img's, byte for byte, so the image ID (the config digest) does
// not change; the manifest names the new layers' digests, sizes and media
// types and keeps everything else.
func Relayered(img v1.Image, layers []v1.Layer) (v1.Image, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(layers) != len(m.Layers) || len(layers) != len(cf.RootFS.DiffIDs) {
		return nil, fmt.Errorf("relayer image: %d layers given for %d", len(layers), len(m.Layers))
	}
	m = m.DeepCopy()
	r := &relayered{base: img, layers: map[v1.Hash]v1.Layer{}}
	for i, l := range layers {
		desc, err := partial.Descriptor(l)
		if err != nil {
			return nil, fmt.Errorf("describe layer %d: %w", i, err)
		}
		if d, err := l.DiffID(); err != nil || d != cf.RootFS.DiffIDs[i] {
			return nil, fmt.Errorf("relayer image: layer %d's diffID is not %s", i, cf.RootFS.DiffIDs[i])
		}
		m.Layers[i].Digest, m.Layers[i].Size, m.Layers[i].MediaType = desc.Digest, desc.Size, desc.MediaType
		r.layers[desc.Digest] = l
	}
	if r.manifest, err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return partial.CompressedToImage(r)
}

// relayered is the partial.CompressedImageCore behind Relayered.
type relayered struct {
	base     v1.Image
	manifest []byte
	layers   map[v1.Hash]v1.Layer
}

var _ partial.CompressedImageCore = (*relayered)(nil)

func (r *relayered) RawConfigFile() ([]byte, error)      { return r.base.RawConfigFile() }
func (r *relayered) MediaType() (types.MediaType, error) { return r.base.MediaType() }
func (r *relayered) RawManifest() ([]byte, error)        { return r.manifest, nil }

// LayerByDigest serves the new layers, and the config from img.
func (r *relayered) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := r.layers[h]; ok {
		return l, nil
	}
	return r.base.LayerByDigest(h)
}
