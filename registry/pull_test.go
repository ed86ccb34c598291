package registry

import (
	"context"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestPullSurvivesFaults: base images are pulled with the same retries:
// behind a registry failing one request in three, including bodies cut
// mid-way (resumed), an index and every blob of it read back intact.
func TestPullSurvivesFaults(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 8)
	c, _ := testClient(t)
	idx := seededIndex(t, 8, 2)
	ref := reg.host() + "/lading/base:v1"
	_, err := c.Push(context.Background(), idx, []string{ref})
	noError(t, err)
	reg.setRate(1.0 / 3)
	ok := 0
	for range 20 {
		a, err := c.Pull(context.Background(), ref)
		if err == nil {
			err = validate.Index(a.(v1.ImageIndex)) // reads every blob, checks every digest
		}
		if err != nil {
			t.Logf("pull: %v", err)
			continue
		}
		ok++
	}
	t.Logf("with 1 request in 3 failing: %d of 20 pulls read back whole; faults: %v", ok, reg.faultCounts())
	if ok < 19 {
		t.Errorf("%d of 20 pulls succeeded, want at least 19", ok)
	}
}
