package builder

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/layer"
)

// Result describes what a build made and wrote; it is the --metadata-file
// document.
type Result struct {
	Digest    v1.Hash         `json:"digest"`
	MediaType types.MediaType `json:"mediaType"`
	Size      int64           `json:"size"`
	Platforms []string        `json:"platforms"`
	Layers    []LayerInfo     `json:"layers"`
	Outputs   []Written       `json:"outputs"`
}

// LayerInfo describes one layer lading wrote.
type LayerInfo struct {
	Digest    v1.Hash         `json:"digest"`
	DiffID    v1.Hash         `json:"diffID"`
	Size      int64           `json:"size"`
	MediaType types.MediaType `json:"mediaType"`
}

// Written is one output that was written.
type Written struct {
	Kind   OutputKind `json:"kind"`
	Path   string     `json:"path"`
	Ref    string     `json:"ref,omitempty"`
	Digest v1.Hash    `json:"digest"`
}

// Line is the stdout line for w: DEST@sha256:….
func (w Written) Line() string {
	return fmt.Sprintf("%s@%s", w.Path, w.Digest)
}

// newResult describes img and the layers lading wrote for it.
func newResult(img v1.Image, layers []*layer.Layer) (*Result, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest image: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return nil, fmt.Errorf("read media type: %w", err)
	}
	size, err := img.Size()
	if err != nil {
		return nil, fmt.Errorf("size image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	res := &Result{Digest: d, MediaType: mt, Size: size, Platforms: []string{cf.Platform().String()}, Layers: []LayerInfo{}}
	for _, l := range layers {
		d, _ := l.Digest()
		diff, _ := l.DiffID()
		size, _ := l.Size()
		mt, _ := l.MediaType()
		res.Layers = append(res.Layers, LayerInfo{Digest: d, DiffID: diff, Size: size, MediaType: mt})
	}
	return res, nil
}
