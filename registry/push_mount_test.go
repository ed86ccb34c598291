package registry

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestPushMountsBaseLayers: an image whose base lives in another
// repository of the same registry gets the base's layers by cross-repo
// mount, not upload, whether the base was pulled (ggcr MountableLayers)
// or is only named by the image's base.name annotation (a build from a
// layout of a pushed base, or from a cached base).
func TestPushMountsBaseLayers(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 4)
	c, _ := testClient(t)
	ctx := context.Background()
	baseRef := reg.host() + "/lading/base:v1"
	base := seededImage(t, 4, 2)
	_, err := c.Push(ctx, base, []string{baseRef})
	noError(t, err)
	pulled, err := c.Pull(ctx, baseRef)
	noError(t, err)
	annotated := mutate.Annotations(base, map[string]string{annotationBaseName: baseRef}).(v1.Image)
	for name, b := range map[string]v1.Image{"pulled": pulled.(v1.Image), "annotated": annotated} {
		t.Run(name, func(t *testing.T) {
			layer, err := random.Layer(300, types.OCILayer)
			noError(t, err)
			app, err := mutate.AppendLayers(b, layer)
			noError(t, err)
			repo := "lading/app-" + name
			res, err := c.Push(ctx, app, []string{reg.host() + "/" + repo + ":v1"})
			noError(t, err)
			if want := (BlobCounts{Uploaded: 2, Mounted: 2}); res.Blobs.Uploaded != want.Uploaded || res.Blobs.Mounted != want.Mounted {
				t.Errorf("blobs %+v, want the 2 base layers mounted and the new layer and config uploaded", res.Blobs)
			}
			checkRegistryClean(t, reg, repo)
		})
	}
}

// TestPushToSeveralRepositories: one push to two repositories of a
// registry uploads each blob once and mounts it into the second.
func TestPushToSeveralRepositories(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 13)
	c, _ := testClient(t)
	res, err := c.Push(context.Background(), seededIndex(t, 13, 2), []string{reg.host() + "/one/app:v1", reg.host() + "/two/app:v1"})
	noError(t, err)
	if res.Blobs.Uploaded != 6 || res.Blobs.Mounted != 6 {
		t.Errorf("blobs %+v; want 6 uploaded into the first repository and 6 mounted into the second", res.Blobs)
	}
	checkRegistryClean(t, reg, "one/app", "two/app")
}
