package cacherepo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/layer"
)

// ArtifactType marks a cache entry's manifest.
const ArtifactType = "application/vnd.lading.layer-cache.v1+json"

// The annotations of a cache entry's manifest.
const (
	annotationKey              = "dev.lading.cache.key"
	annotationDiffID           = "dev.lading.layer.diffID"
	annotationUncompressedSize = "dev.lading.layer.uncompressedSize"
	annotationFormat           = "dev.lading.layer.format"
)

// emptyConfig is the empty JSON object image-spec gives artifacts without
// a config.
var emptyConfig = []byte("{}")

// entry is a cache entry as an image for Client.Push: the manifest above,
// the empty config, and the layer.
type entry struct {
	raw []byte
	l   *layer.Layer
}

var _ partial.CompressedImageCore = (*entry)(nil)

// newEntry describes l as the cache entry for key.
func newEntry(key string, l *layer.Layer) (v1.Image, error) {
	info := l.Info()
	cfg, _, err := v1.SHA256(bytes.NewReader(emptyConfig))
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Size: int64(len(emptyConfig)), Digest: cfg},
		Layers:        []v1.Descriptor{{MediaType: info.Compression.MediaType(), Size: info.Size, Digest: info.Digest}},
		Annotations: map[string]string{
			annotationKey:              key,
			annotationDiffID:           info.DiffID.String(),
			annotationUncompressedSize: strconv.FormatInt(info.UncompressedSize, 10),
			annotationFormat:           strconv.Itoa(layer.LayerFormatVersion),
		},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode cache entry manifest: %w", err)
	}
	return partial.CompressedToImage(&entry{raw: raw, l: l})
}

func (e *entry) RawConfigFile() ([]byte, error)      { return emptyConfig, nil }
func (e *entry) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (e *entry) RawManifest() ([]byte, error)        { return e.raw, nil }

// LayerByDigest returns the entry's one layer.
func (e *entry) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if d, _ := e.l.Digest(); d == h {
		return e.l, nil
	}
	return nil, fmt.Errorf("cache entry has no blob %s", h)
}

// parseEntry reads what a cache entry's manifest claims of its layer, for
// key. Every claim is checked later against the blob's bytes; this only
// refuses manifests that are not lading cache entries for key.
func parseEntry(raw []byte, key string) (layer.Info, error) {
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return layer.Info{}, fmt.Errorf("decode manifest: %w", err)
	}
	switch {
	case m.ArtifactType != ArtifactType:
		return layer.Info{}, fmt.Errorf("artifactType is %q, want %q", m.ArtifactType, ArtifactType)
	case len(m.Layers) != 1:
		return layer.Info{}, fmt.Errorf("it lists %d blobs, want 1", len(m.Layers))
	case m.Annotations[annotationKey] != key:
		return layer.Info{}, fmt.Errorf("it is the entry for key %q", m.Annotations[annotationKey])
	}
	return layerInfo(m.Layers[0], m.Annotations)
}

// layerInfo is the layer a cache entry's blob descriptor and annotations
// describe.
func layerInfo(d v1.Descriptor, anns map[string]string) (layer.Info, error) {
	c, err := compressionOf(d.MediaType)
	if err != nil {
		return layer.Info{}, err
	}
	diffID, err := v1.NewHash(anns[annotationDiffID])
	if err != nil {
		return layer.Info{}, fmt.Errorf("annotation %s: %w", annotationDiffID, err)
	}
	n, err := strconv.ParseInt(anns[annotationUncompressedSize], 10, 64)
	if err != nil || n < 0 || d.Size < 0 {
		return layer.Info{}, fmt.Errorf("bad sizes: blob %d, annotation %s %q", d.Size, annotationUncompressedSize, anns[annotationUncompressedSize])
	}
	return layer.Info{Digest: d.Digest, DiffID: diffID, Size: d.Size, UncompressedSize: n, Compression: c}, nil
}

// compressionOf is the compression a layer media type names.
func compressionOf(mt types.MediaType) (layer.Compression, error) {
	for _, c := range []layer.Compression{layer.Gzip, layer.Zstd, layer.None} {
		if c.MediaType() == mt {
			return c, nil
		}
	}
	return "", fmt.Errorf("blob media type %q is not a layer lading writes", mt)
}
