package inspect

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// Change is one difference between two images or indexes: Path (a field
// path such as "config.Env[1]", an entry path such as "/usr/bin/app", or
// "digest") in Layer (from 1; 0 for none) of the image for Platform (""
// for the top), with Field naming what differs for a tar entry. A is
// nil for what only B has, B for what only A has. The JSON keys are stable.
type Change struct {
	Platform string  `json:"platform,omitempty"`
	Layer    int     `json:"layer,omitempty"`
	Path     string  `json:"path,omitempty"`
	Field    string  `json:"field,omitempty"`
	A        *string `json:"a"`
	B        *string `json:"b"`
}

// differ collects the changes of one comparison, in the order they are met.
type differ struct {
	platform string
	out      []Change
}

// add records one change (of the image for d.platform).
func (d *differ) add(layer int, path, field string, a, b *string) {
	d.out = append(d.out, Change{Platform: d.platform, Layer: layer, Path: path, Field: field, A: a, B: b})
}

// Diff compares a and b top down: index entries by platform, then each
// pair of images' manifests, configs and layers, and the tar entries of
// each pair of layers whose contents differ. Equal digests stop the
// descent, so identical layers are never opened. No changes means a and b
// are the same artifact. Layers it opens are verified as they stream.
func Diff(a, b oci.Artifact) ([]Change, error) {
	da, err := a.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest A: %w", err)
	}
	db, err := b.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest B: %w", err)
	}
	if da == db {
		return nil, nil
	}
	d := &differ{}
	d.add(0, "digest", "", str(da.String()), str(db.String()))
	err = d.artifacts(a, b)
	return d.out, err
}

// artifacts compares two indexes or two images; an index against an image
// is a change of kind, and then the image against the index's entry for
// the image's platform, as if it were an index of one.
func (d *differ) artifacts(a, b oci.Artifact) error {
	ia, aIdx := a.(v1.ImageIndex)
	ib, bIdx := b.(v1.ImageIndex)
	switch {
	case aIdx && bIdx:
		return d.indexes(ia, ib)
	case aIdx != bIdx:
		d.add(0, "kind", "", str(kindOf(aIdx)), str(kindOf(bIdx)))
		return d.mixed(a, b)
	}
	return d.images(a.(v1.Image), b.(v1.Image))
}

// mixed compares an index and an image entry by entry.
func (d *differ) mixed(a, b oci.Artifact) error {
	ma, err := keyedEntries(a)
	if err != nil {
		return fmt.Errorf("read A: %w", err)
	}
	mb, err := keyedEntries(b)
	if err != nil {
		return fmt.Errorf("read B: %w", err)
	}
	return d.entries(ma, mb)
}

// keyedEntries lists an index's entries, or an image as an entry.
func keyedEntries(a oci.Artifact) ([]keyed, error) {
	if idx, ok := a.(v1.ImageIndex); ok {
		return entriesByPlatform(idx)
	}
	img, ok := a.(v1.Image)
	if !ok {
		return nil, fmt.Errorf("%T is neither an image nor an index", a)
	}
	return asEntries(img)
}

// kindOf names an artifact's kind.
func kindOf(index bool) string {
	if index {
		return "index"
	}
	return "image"
}

// str returns a pointer to s, for Change's A and B.
func str(s string) *string { return &s }
