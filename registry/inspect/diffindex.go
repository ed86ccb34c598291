package inspect

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// indexes compares two indexes: their own fields, then their entries
// matched by platform (the second linux/amd64 entry is "linux/amd64#2"),
// in A's order, then the entries only B has.
func (d *differ) indexes(a, b v1.ImageIndex) error {
	ra, err := a.RawManifest()
	if err != nil {
		return fmt.Errorf("read index A: %w", err)
	}
	rb, err := b.RawManifest()
	if err != nil {
		return fmt.Errorf("read index B: %w", err)
	}
	if err := d.rawJSON("index", ra, rb, "manifests"); err != nil {
		return err
	}
	ma, err := entriesByPlatform(a)
	if err != nil {
		return fmt.Errorf("read index A: %w", err)
	}
	mb, err := entriesByPlatform(b)
	if err != nil {
		return fmt.Errorf("read index B: %w", err)
	}
	return d.entries(ma, mb)
}

// entries compares the matched entries of two indexes.
func (d *differ) entries(ma, mb []keyed) error {
	top := d.platform
	for _, ea := range ma {
		eb, ok := find(mb, ea.key)
		d.platform = join(top, ea.key)
		switch {
		case !ok:
			d.platform = top
			d.add(0, "platform "+ea.key, "", str(ea.desc.Digest.String()), nil)
		case ea.desc.Digest != eb.desc.Digest:
			if err := d.child(ea, eb); err != nil {
				return err
			}
		}
	}
	d.platform = top
	for _, eb := range mb {
		if _, ok := find(ma, eb.key); !ok {
			d.add(0, "platform "+eb.key, "", nil, str(eb.desc.Digest.String()))
		}
	}
	return nil
}

// child compares the manifests two index entries name.
func (d *differ) child(ea, eb keyed) error {
	d.add(0, "digest", "", str(ea.desc.Digest.String()), str(eb.desc.Digest.String()))
	ca, err := ea.open()
	if err != nil {
		return fmt.Errorf("open %s of A: %w", ea.desc.Digest, err)
	}
	cb, err := eb.open()
	if err != nil {
		return fmt.Errorf("open %s of B: %w", eb.desc.Digest, err)
	}
	return d.artifacts(ca, cb)
}

// keyed is an index entry with its platform key and a way to open it.
type keyed struct {
	key  string
	desc v1.Descriptor
	open func() (oci.Artifact, error)
}

// entriesByPlatform keys an index's entries by platform, numbering repeats.
func entriesByPlatform(idx v1.ImageIndex) ([]keyed, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	out := make([]keyed, len(im.Manifests))
	for i, m := range im.Manifests {
		k := platformOf(m)
		if seen[k]++; seen[k] > 1 {
			k = fmt.Sprintf("%s#%d", k, seen[k])
		}
		out[i] = keyed{k, m, func() (oci.Artifact, error) { return open(idx, m) }}
	}
	return out, nil
}

// find returns the entry of l with key k.
func find(l []keyed, k string) (keyed, bool) {
	for _, e := range l {
		if e.key == k {
			return e, true
		}
	}
	return keyed{}, false
}

// join nests a platform key under an outer one (an index in an index).
func join(outer, k string) string {
	if outer == "" {
		return k
	}
	return outer + " " + k
}

// open opens the image or index an index entry names.
func open(idx v1.ImageIndex, desc v1.Descriptor) (oci.Artifact, error) {
	if desc.MediaType.IsIndex() {
		return idx.ImageIndex(desc.Digest)
	}
	return idx.Image(desc.Digest)
}

// asEntries keys a single image by the platform its config names, so it
// can be matched against an index's entries.
func asEntries(img v1.Image) ([]keyed, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	key := "unknown"
	if p := cf.Platform(); p != nil {
		key = p.String()
	}
	return []keyed{{key, v1.Descriptor{Digest: d}, func() (oci.Artifact, error) { return img, nil }}}, nil
}
