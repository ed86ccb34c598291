package manifest

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Index builds an OCI image index over images, one entry per platform,
// sorted by platform string so the index digest never depends on the order
// in which platforms finished building. Each image's platform is read from
// its config.
func Index(images []v1.Image, annotations map[string]string) (v1.ImageIndex, error) {
	adds := make([]mutate.IndexAddendum, 0, len(images))
	for _, img := range images {
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("read image config: %w", err)
		}
		p := cf.Platform()
		if p == nil {
			return nil, fmt.Errorf("image config has no platform")
		}
		adds = append(adds, mutate.IndexAddendum{Add: plainImage{img}, Descriptor: v1.Descriptor{Platform: p}})
	}
	slices.SortStableFunc(adds, func(a, b mutate.IndexAddendum) int {
		return strings.Compare(a.Descriptor.Platform.String(), b.Descriptor.Platform.String())
	})
	for i := 1; i < len(adds); i++ {
		if p := adds[i].Descriptor.Platform; p.Equals(*adds[i-1].Descriptor.Platform) {
			return nil, fmt.Errorf("platform %s is listed twice", p)
		}
	}
	idx := mutate.IndexMediaType(empty.Index, indexType(images))
	idx = mutate.AppendManifests(idx, adds...)
	if len(annotations) > 0 {
		idx = mutate.Annotations(idx, annotations).(v1.ImageIndex)
	}
	return idx, nil
}

// indexType is a Docker manifest list when every image is a Docker
// manifest (built on a Docker-format base), else an OCI index.
func indexType(images []v1.Image) types.MediaType {
	for _, img := range images {
		if mt, err := img.MediaType(); err != nil || mt != types.DockerManifestSchema2 {
			return types.OCIImageIndex
		}
	}
	return types.DockerManifestList
}

// plainImage keeps ggcr from writing an artifactType (the config's media
// type) into an image's index entry. image-spec reserves the field for
// artifacts, and skopeo 1.9 cannot copy an index that has it with
// --preserve-digests: it must rewrite the index, changing its digest.
type plainImage struct{ v1.Image }

var _ v1.Image = plainImage{}

// ArtifactType reports no artifact type: this is an image.
func (plainImage) ArtifactType() (string, error) { return "", nil }
