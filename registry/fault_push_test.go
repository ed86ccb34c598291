package registry

import (
	"context"
	"flag"
	"fmt"
	"testing"

	"github.com/lading-dev/lading/registry/oci"
)

// faultSeeds runs TestPushSurvivesFaults for seeds 1 to N instead of the
// 1 to 8 it runs by default, for README's figures:
//
//	go test ./registry -run TestPushSurvivesFaults -v -args -fault-seeds=40
var faultSeeds = flag.Int("fault-seeds", 8, "run the fault test for seeds 1 to N")

// TestPushSurvivesFaults is issue #5's figure, with issue 9's faults added:
// behind a registry that fails one request in three (500, 429 with
// Retry-After, resets before the answer, answers cut mid-way, answers lost
// after the registry acted, and for HEADs a 200 cut short by a reset or a
// whole 200 for a blob the registry lacks), at least 98% of the pushes
// succeed with the default retries, and across all of them no tag names an
// incomplete image and no manifest is sent before what it names (unless a
// HEAD lied that it was there). Every fourth push is a two-image index;
// each push has two tags and its own repository.
//
// The 98% bound holds over all 800 pushes (8 seeds of 100), not per seed:
// which request meets which fault follows the interleaving of concurrent
// uploads, so a seed does not fix the outcome, and "98 of 100" for one
// seed failed about 1 run in 40 (seed 17 of 1-40 gave 97). Over seeds 1-40,
// 12 of 4,000 pushes failed (p = 0.003); at twice that rate, more than 16
// failures in 800 (below 98%) has probability 1.1e-5 (binomial tail), so
// the test fails when pushes really get less reliable, not by bad luck.
// Incomplete tags and early manifests are absolute: any one fails it.
func TestPushSurvivesFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("800 pushes; skipped under -short")
	}
	succeeded := make([]int, *faultSeeds)
	t.Run("seeds", func(t *testing.T) {
		for i := range succeeded {
			t.Run(fmt.Sprint(i+1), func(t *testing.T) {
				t.Parallel()
				succeeded[i] = pushThroughFaults(t, uint64(i+1))
			})
		}
	})
	total, all := 0, 100*len(succeeded)
	for _, n := range succeeded {
		total += n
	}
	if total*100 < 98*all {
		t.Errorf("%d of %d pushes succeeded over seeds 1-%d (per seed: %v), want at least 98%%", total, all, len(succeeded), succeeded)
	}
	t.Logf("%d of %d pushes succeeded over seeds 1-%d (per seed: %v)", total, all, len(succeeded), succeeded)
}

// pushThroughFaults pushes 100 images and indexes through a faulty
// registry drawing its faults from seed, checks what it left, and returns
// how many pushes succeeded.
func pushThroughFaults(t *testing.T, seed uint64) int {
	const pushes, rate = 100, 1.0 / 3
	reg := newFaultyRegistry(t, 0, seed)
	c, _ := testClient(t)
	succeeded, incomplete := 0, 0
	for i := range pushes {
		var a oci.Artifact = seededImage(t, int64(i), 2)
		if i%4 == 3 {
			a = seededIndex(t, int64(i), 2)
		}
		reg.learn(t, a)
		repo := fmt.Sprintf("fault/p%03d", i)
		refs := []string{reg.host() + "/" + repo + ":v1", reg.host() + "/" + repo + ":v2"}
		reg.setRate(rate)
		_, err := c.Push(context.Background(), a, refs)
		reg.setRate(0)
		if err == nil {
			succeeded++
			checkTagged(t, reg, repo, a, "v1", "v2")
		} else {
			t.Logf("seed %d: push %d failed: %v", seed, i, err)
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
	t.Logf("seed %d, 1 request in 3 failing: %d of %d pushes succeeded; %d tags on incomplete images; %d manifests sent before their blobs; %d refused for lack of a blob a HEAD lied about; faults injected: %v",
		seed, succeeded, pushes, incomplete, len(early), reg.refusals(), reg.faultCounts())
	return succeeded
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
func (f *faultyRegistry) faultCounts() map[string]int { return f.proxy.Counts() }
