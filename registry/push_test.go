package registry

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestPushIndexTwoTags pushes a two-image index to two tags and reads it
// back: same digest, valid, every platform manifest reported, order kept.
func TestPushIndexTwoTags(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 1)
	c, _ := testClient(t)
	idx := seededIndex(t, 1, 2)
	d, _ := idx.Digest()
	refs := []string{reg.host() + "/lading/idx:v1", reg.host() + "/lading/idx:v2"}
	res, err := c.Push(context.Background(), idx, refs)
	noError(t, err)
	if len(res.Refs) != 2 || res.Refs[0].Line() != reg.host()+"/lading/idx@"+d.String() {
		t.Fatalf("refs %+v, want two lines REPO@%s", res.Refs, d)
	}
	if len(res.Manifests) != 2 || res.Blobs.Uploaded != 6 {
		t.Errorf("manifests %+v, blobs %+v; want 2 manifests and 6 blobs uploaded", res.Manifests, res.Blobs)
	}
	for _, ref := range refs {
		got, err := c.Pull(context.Background(), ref)
		noError(t, err)
		if gd, _ := got.Digest(); gd != d {
			t.Errorf("%s has digest %s, want %s", ref, gd, d)
		}
		noError(t, validate.Index(got.(v1.ImageIndex)))
	}
	checkRegistryClean(t, reg, "lading/idx")
}

// TestSecondPushSendsNoBlob: pushing an unchanged image again, and to a
// further tag, uploads nothing: manifest PUTs only.
func TestSecondPushSendsNoBlob(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 2)
	c, logs := testClient(t)
	img := seededImage(t, 2, 3)
	ref := reg.host() + "/lading/app"
	_, err := c.Push(context.Background(), img, []string{ref + ":v1"})
	noError(t, err)
	first := reg.blobWrites("lading/app")
	res, err := c.Push(context.Background(), img, []string{ref + ":v1", ref + ":v2"})
	noError(t, err)
	if n := reg.blobWrites("lading/app") - first; n != 0 || res.Blobs != (BlobCounts{}) {
		t.Fatalf("second push sent %d blob requests (%+v); want none\n%s", n, res.Blobs, logs)
	}
	if tags := reg.tags("lading/app"); len(tags) != 2 {
		t.Fatalf("tags %v, want v1 and v2", tags)
	}
	checkRegistryClean(t, reg, "lading/app")
}

// checkRegistryClean fails on any tag of repo naming an incomplete image
// and on any manifest sent before what it names.
func checkRegistryClean(t *testing.T, reg *faultyRegistry, repos ...string) {
	t.Helper()
	for _, repo := range repos {
		for _, p := range reg.incomplete(repo) {
			t.Errorf("incomplete tag: %s", p)
		}
	}
	for _, p := range reg.earlyManifests() {
		t.Errorf("manifest before its blobs: %s", p)
	}
}
