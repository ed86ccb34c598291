package inspect

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// Select returns a itself when p is nil; otherwise the image of a for
// platform p: a itself when a is an image of that platform, or the index
// entry that matches, with an error listing the platforms there are when
// none does.
func Select(a oci.Artifact, p *v1.Platform) (oci.Artifact, error) {
	if p == nil {
		return a, nil
	}
	switch a := a.(type) {
	case v1.Image:
		return a, checkPlatform(a, *p)
	case v1.ImageIndex:
		return selectEntry(a, *p)
	}
	return nil, fmt.Errorf("select platform %s: %T is neither an image nor an index", p, a)
}

// checkPlatform refuses a single image whose config names another platform.
func checkPlatform(img v1.Image, p v1.Platform) error {
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if got := cf.Platform(); got != nil && !got.Satisfies(p) {
		return fmt.Errorf("select platform %s: the image is %s and not an index; drop --platform", p, got)
	}
	return nil
}

// selectEntry picks the entry of idx for p (an index within an index is
// searched in turn).
func selectEntry(idx v1.ImageIndex, p v1.Platform) (oci.Artifact, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	var have []string
	for _, m := range im.Manifests {
		if m.Platform != nil && m.MediaType.IsImage() && m.Platform.Satisfies(p) {
			return idx.Image(m.Digest)
		}
		have = append(have, platformOf(m))
	}
	return nil, fmt.Errorf("select platform %s: the index has none (it has %s); name one of those with --platform",
		p, strings.Join(have, ", "))
}

// platformOf names a descriptor's platform, "unknown" when it gives none.
func platformOf(d v1.Descriptor) string {
	if d.Platform == nil {
		return "unknown"
	}
	return d.Platform.String()
}
