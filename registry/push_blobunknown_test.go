package registry

import (
	"context"
	"testing"

	"github.com/lading-dev/lading/registry/oci"
)

// TestPushRecoversFromBlobUnknown: an intermediary answers every blob HEAD
// with a whole, well-formed 200 (right size and digest) although the
// registry lacks the blob, a lie no check can catch. The registry refuses
// the manifest with MANIFEST_BLOB_UNKNOWN, naming the blobs or not; the
// push uploads them again and puts the manifest, and its tags name complete
// images (issue 9).
func TestPushRecoversFromBlobUnknown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		index  bool
		detail bool
	}{
		{"image-named", false, true},
		{"image-unnamed", false, false},
		{"index-named", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a oci.Artifact = seededImage(t, 13, 2)
			if tc.index {
				a = seededIndex(t, 13, 2)
			}
			reg := newFaultyRegistry(t, 0, 13)
			reg.namesBlobs = tc.detail
			reg.learn(t, a)
			reg.proxy.SetLieAlways(true)
			c, _ := testClient(t)
			repo := "lading/unknown"
			res, err := c.Push(context.Background(), a, []string{reg.host() + "/" + repo + ":v1"})
			noError(t, err)
			if n := len(reg.sizes); res.Blobs.Uploaded != n || res.Blobs.Existing != 0 {
				t.Errorf("counts %+v, want %d uploaded and none existing", res.Blobs, n)
			}
			checkTagged(t, reg, repo, a, "v1")
			if bad := reg.incomplete(repo); len(bad) > 0 {
				t.Errorf("incomplete: %v", bad)
			}
			if reg.refusals() == 0 {
				t.Error("the registry never refused a manifest: the lie was not told")
			}
		})
	}
}
