package registry

import (
	"context"
	"fmt"
	"testing"

	"github.com/lading-dev/lading/registry/oci"
)

// TestPushSurvivesFaults is issue #5's figure: behind a registry that fails
// one request in three (500, 429 with Retry-After, resets before the
// answer, answers cut mid-way, answers lost after the registry acted), at
// least 98 of 100 pushes succeed with the default retries, and across all
// of them no tag names an incomplete image and no manifest is sent before
// what it names. Every fourth push is a two-image index; each push has two
// tags and its own repository.
func TestPushSurvivesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("100 pushes; skipped under -short")
	}
	const pushes, rate = 100, 1.0 / 3
	reg := newFaultyRegistry(t, 0, 5)
	c, _ := testClient(t)
	succeeded, incomplete := 0, 0
	for i := range pushes {
		var a oci.Artifact = seededImage(t, int64(i), 2)
		if i%4 == 3 {
			a = seededIndex(t, int64(i), 2)
		}
		repo := fmt.Sprintf("fault/p%03d", i)
		refs := []string{reg.host() + "/" + repo + ":v1", reg.host() + "/" + repo + ":v2"}
		reg.setRate(rate)
		_, err := c.Push(context.Background(), a, refs)
		reg.setRate(0)
		if err == nil {
			succeeded++
			checkTagged(t, reg, repo, a, "v1", "v2")
		} else {
			t.Logf("push %d failed: %v", i, err)
		}
		bad := reg.incomplete(repo)
		incomplete += len(bad)
		for _, b := range bad {
			t.Errorf("incomplete tag: %s", b)
		}
	}
	early := reg.earlyManifests()
	for _, e := range early {
		t.Errorf("manifest before its blobs: %s", e)
	}
	t.Logf("with 1 request in 3 failing: %d of %d pushes succeeded; %d tags on incomplete images; %d manifests sent before their blobs; faults injected: %v",
		succeeded, pushes, incomplete, len(early), reg.faultCounts())
	if succeeded < 98 {
		t.Errorf("%d of %d pushes succeeded, want at least 98", succeeded, pushes)
	}
}

// checkTagged fails unless every tag of repo names a's digest.
func checkTagged(t *testing.T, reg *faultyRegistry, repo string, a oci.Artifact, tags ...string) {
	t.Helper()
	d, _ := a.Digest()
	for _, tag := range tags {
		rec := reg.direct("HEAD", "/v2/"+repo+"/manifests/"+tag)
		if got := rec.Header().Get("Docker-Content-Digest"); got != d.String() {
			t.Errorf("%s:%s names %q, want %s", repo, tag, got, d)
		}
	}
}

// faultCounts counts the injected faults by kind.
func (f *faultyRegistry) faultCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for _, r := range f.records {
		out[faultNames[r.fault]]++
	}
	return out
}
