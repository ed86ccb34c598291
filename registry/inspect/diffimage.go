package inspect

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// images compares two images: the manifests' own fields ("manifest.…"),
// the configs' fields ("config.Env[1]", "history[2].created_by"; the
// diff_ids are left to the layers) and then the layers, pair by pair.
func (d *differ) images(a, b v1.Image) error {
	ra, err := a.RawManifest()
	if err != nil {
		return fmt.Errorf("read manifest of A: %w", err)
	}
	rb, err := b.RawManifest()
	if err != nil {
		return fmt.Errorf("read manifest of B: %w", err)
	}
	if err := d.rawJSON("manifest", ra, rb, "config", "layers"); err != nil {
		return err
	}
	if err := d.configs(a, b); err != nil {
		return err
	}
	return d.layers(a, b)
}

// configs compares two configs unless their digests are equal.
func (d *differ) configs(a, b v1.Image) error {
	na, err := a.ConfigName()
	if err != nil {
		return fmt.Errorf("read config of A: %w", err)
	}
	nb, err := b.ConfigName()
	if err != nil {
		return fmt.Errorf("read config of B: %w", err)
	}
	if na == nb {
		return nil
	}
	ca, err := a.RawConfigFile()
	if err != nil {
		return fmt.Errorf("read config %s of A: %w", na, err)
	}
	cb, err := b.RawConfigFile()
	if err != nil {
		return fmt.Errorf("read config %s of B: %w", nb, err)
	}
	return d.rawJSON("", ca, cb, "rootfs")
}

// layers compares two images' layers by position: one only one side has
// is one change; a pair with equal digests is skipped, unopened; a pair
// with equal diffIDs (the same tar, compressed differently) is one change;
// any other pair is compared entry by entry.
func (d *differ) layers(a, b v1.Image) error {
	la, err := imageLayers(a)
	if err != nil {
		return fmt.Errorf("image A: %w", err)
	}
	lb, err := imageLayers(b)
	if err != nil {
		return fmt.Errorf("image B: %w", err)
	}
	for i := range max(len(la), len(lb)) {
		switch {
		case i >= len(lb):
			d.add(i+1, "", "", str(la[i].Digest.String()), nil)
		case i >= len(la):
			d.add(i+1, "", "", nil, str(lb[i].Digest.String()))
		case la[i].Digest == lb[i].Digest:
		default:
			d.add(i+1, "digest", "", str(la[i].Digest.String()), str(lb[i].Digest.String()))
			if la[i].DiffID != lb[i].DiffID {
				if err := d.layerPair(i+1, la[i], lb[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
