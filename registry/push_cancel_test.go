package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestPushCancelledAtEveryRequest cancels a push of a two-image index at
// each request position in turn. The request that cancels is then acted
// on by the registry after the client has gone (the worst case: work done,
// answer lost). Every push must fail with context.Canceled and leave no
// tag, or a tag on the complete image; no manifest may precede its blobs.
func TestPushCancelledAtEveryRequest(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 3)
	c, _ := testClient(t)
	idx := seededIndex(t, 3, 2)
	start := reg.requests()
	_, err := c.Push(context.Background(), idx, []string{reg.host() + "/cancel/probe:v1", reg.host() + "/cancel/probe:v2"})
	noError(t, err)
	n, tagged := reg.requests()-start, 0
	for k := range n {
		repo := fmt.Sprintf("cancel/k%02d", k)
		ctx, cancel := context.WithCancel(context.Background())
		first := reg.requests()
		reg.setHook(func(seq int, req *http.Request) {
			if seq == first+k {
				cancel()
				select { // act only once the client has given up
				case <-req.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}
		})
		_, err := c.Push(ctx, idx, []string{reg.host() + "/" + repo + ":v1", reg.host() + "/" + repo + ":v2"})
		cancel()
		reg.quiesce()
		reg.setHook(nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at request %d of %d: got %v, want context.Canceled", k, n, err)
		}
		checkRegistryClean(t, reg, repo)
		if len(reg.tags(repo)) > 0 {
			tagged++
		}
	}
	if tagged == 0 {
		t.Error("no cancelled push left a tag: the last positions did not reach the tag PUTs")
	}
	t.Logf("cancelled a %d-request push at each request: %d left complete tags, none a partial one, no early manifest", n, tagged)
}
