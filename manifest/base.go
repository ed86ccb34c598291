package manifest

import (
	"encoding/json"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// bareBase hides a base image's manifest annotations: they describe the
// base (its own creation time, its own base), not the image built on it.
type bareBase struct{ v1.Image }

var _ v1.Image = bareBase{}

// Manifest returns the base manifest without annotations.
func (b bareBase) Manifest() (*v1.Manifest, error) {
	m, err := b.Image.Manifest()
	if err != nil {
		return nil, err
	}
	m = m.DeepCopy()
	m.Annotations = nil
	return m, nil
}

// RawManifest returns the JSON of Manifest.
func (b bareBase) RawManifest() ([]byte, error) {
	m, err := b.Manifest()
	if err != nil {
		return nil, err
	}
	return json.Marshal(m)
}
