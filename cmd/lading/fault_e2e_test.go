package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/faultproxy"
	"github.com/lading-dev/lading/registry/oci"
)

// e2eFaultPushes is how many pushes TestPushSurvivesFaultsE2E makes, eight
// at a time; see the test for why this many.
const e2eFaultPushes = 600

// TestPushSurvivesFaultsE2E is issue 9's "Done when" point 1 against a real
// registry: Debian's docker-registry behind registry/faultproxy, which
// fails one request in three (500, 429, resets, cut answers, answers lost
// after the registry acted, and for HEADs the cut 200 of the issue and a
// whole 200 for a blob the registry lacks). At least 98% of the pushes
// complete with the default retries, no push panics, and every tag the
// registry holds, read straight from it past the proxy, names a manifest
// whose every blob (and, for an index, every child manifest and its blobs)
// is there at its size.
//
// Why 600 pushes: a push fails when one of its ~20 requests meets a fault
// on all of its 7 attempts, and which request meets which fault follows
// the interleaving of concurrent uploads, so no seed fixes the outcome.
// Over 2,800 pushes in five runs, 11 failed (p = 0.0039). At that rate the
// chance that more than 12 of 600 fail (below 98%) is the binomial tail
// P(X >= 13 | n=600, p=0.0039) = 1.2e-6, and 1.5e-5 at p = 0.005; with 50
// pushes (at most 1 failure) it would be 1.7e-2, one red run in 60.
// Incomplete tags and panics are absolute: any one fails the test.
//
// The client backs off 1-10 ms, as the registry package's fault tests do:
// the number of attempts (the default retries), not the waits, decides
// whether a push completes, and 600 pushes take ~60 s on two busy cores.
func TestPushSurvivesFaultsE2E(t *testing.T) {
	needs(t, "docker-registry")
	regHost := startPlainDistribution(t)
	target, err := url.Parse("http://" + regHost)
	noErr(t, err)
	proxy := faultproxy.New(httputil.NewSingleHostReverseProxy(target), 9)
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	host := front.Listener.Addr().String()
	c, err := registry.NewClient(registry.WithBackoff(time.Millisecond, 10*time.Millisecond),
		registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	noErr(t, err)

	arts := make([]oci.Artifact, e2eFaultPushes)
	for i := range arts {
		arts[i] = faultArtifact(t, int64(i))
		learnBlobs(t, proxy, arts[i])
	}
	proxy.SetRate(1.0 / 3)
	errs, panics := pushAll(c, host, arts)
	proxy.SetRate(0)

	completed, incomplete := 0, 0
	for i, a := range arts {
		repo := fmt.Sprintf("fault/p%03d", i)
		if errs[i] == nil {
			completed++
			checkTagDigest(t, regHost, repo, a)
		} else {
			t.Logf("push %d failed: %v", i, errs[i])
		}
		for _, bad := range incompleteTags(t, regHost, repo) {
			incomplete++
			t.Errorf("incomplete tag: %s", bad)
		}
	}
	if completed*100 < 98*len(arts) {
		t.Errorf("%d of %d pushes completed, want at least 98%%", completed, len(arts))
	}
	if panics > 0 {
		t.Errorf("%d pushes panicked", panics)
	}
	t.Logf("docker-registry behind 1 request in 3 failing: %d of %d pushes completed (%.1f%%); %d incomplete tags; %d panics; faults injected: %v",
		completed, len(arts), 100*float64(completed)/float64(len(arts)), incomplete, panics, proxy.Counts())
}

// faultArtifact is push i's small random artifact: every fourth a
// two-image index, the others a two-layer image.
func faultArtifact(t *testing.T, i int64) oci.Artifact {
	src := random.WithSource(mrand.NewSource(i))
	if i%4 == 3 {
		idx, err := random.Index(256, 2, 2, src)
		noErr(t, err)
		return idx
	}
	img, err := random.Image(256, 2, src)
	noErr(t, err)
	return img
}

// learnBlobs tells the proxy the size of every blob of a, so that its
// lie-head fault can lie about them.
func learnBlobs(t *testing.T, proxy *faultproxy.Proxy, a oci.Artifact) {
	var imgs []v1.Image
	switch a := a.(type) {
	case v1.ImageIndex:
		im, err := a.IndexManifest()
		noErr(t, err)
		for _, d := range im.Manifests {
			img, err := a.Image(d.Digest)
			noErr(t, err)
			imgs = append(imgs, img)
		}
	case v1.Image:
		imgs = append(imgs, a)
	}
	for _, img := range imgs {
		m, err := img.Manifest()
		noErr(t, err)
		for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			proxy.Learn(d.Digest, d.Size)
		}
	}
}

// pushAll pushes arts[i] to host/fault/pNNN:v1 and :v2, eight pushes at a
// time, and returns each push's error and how many pushes panicked.
func pushAll(c *registry.Client, host string, arts []oci.Artifact) ([]error, int) {
	errs := make([]error, len(arts))
	var mu sync.Mutex
	panics := 0
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				repo := fmt.Sprintf("%s/fault/p%03d", host, i)
				func() {
					defer func() {
						if r := recover(); r != nil {
							mu.Lock()
							panics++
							mu.Unlock()
							errs[i] = fmt.Errorf("panic: %v", r)
						}
					}()
					_, errs[i] = c.Push(context.Background(), arts[i], []string{repo + ":v1", repo + ":v2"})
				}()
			}
		})
	}
	for i := range arts {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return errs, panics
}

// startPlainDistribution runs docker-registry on a free loopback port over
// plain HTTP, without auth, until the test ends; it returns its HOST:PORT.
func startPlainDistribution(t *testing.T) string {
	t.Helper()
	bin := requireTool(t, "docker-registry")
	dir := t.TempDir()
	host := freeLoopback(t)
	config := fmt.Sprintf(`version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: %s}}
http: {addr: %s}
`, ramDir(t), host)
	serveDistribution(t, bin, dir, config, &http.Client{Timeout: time.Second}, "http://"+host+"/v2/", http.StatusOK)
	return host
}

// ramDir is a new directory in /dev/shm, removed when the test ends, or a
// t.TempDir where there is none: the registry's many small file writes
// and renames cost it about a third less CPU in memory than on ext4.
func ramDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "lading-registry-*")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// manifestAccept accepts every manifest type a push can leave.
var manifestAccept = strings.Join([]string{string(types.OCIImageIndex), string(types.OCIManifestSchema1),
	string(types.DockerManifestList), string(types.DockerManifestSchema2)}, ",")

// direct sends method path to the registry at host, past any proxy, and
// returns the status, headers and body; a transport error ends the test.
func direct(t *testing.T, host, method, path string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+host+path, nil)
	noErr(t, err)
	req.Header.Set("Accept", manifestAccept)
	resp, err := http.DefaultClient.Do(req)
	noErr(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	noErr(t, err)
	return resp.StatusCode, resp.Header, body
}

// checkTagDigest fails unless repo's tags v1 and v2 name a's digest.
func checkTagDigest(t *testing.T, host, repo string, a oci.Artifact) {
	t.Helper()
	want, err := a.Digest()
	noErr(t, err)
	for _, tag := range []string{"v1", "v2"} {
		if _, h, _ := direct(t, host, http.MethodHead, "/v2/"+repo+"/manifests/"+tag); h.Get("Docker-Content-Digest") != want.String() {
			t.Errorf("%s:%s names %q, want %s", repo, tag, h.Get("Docker-Content-Digest"), want)
		}
	}
}

// incompleteTags lists each tag of repo whose manifest, or anything it
// names (recursively), the registry lacks or holds at the wrong size.
func incompleteTags(t *testing.T, host, repo string) []string {
	code, _, body := direct(t, host, http.MethodGet, "/v2/"+repo+"/tags/list")
	var list struct{ Tags []string }
	if code == http.StatusNotFound {
		return nil // nothing was tagged
	}
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil {
		return []string{fmt.Sprintf("%s: tags/list answered %d %s", repo, code, body)}
	}
	var out []string
	for _, tag := range list.Tags {
		if missing := missingUnder(t, host, repo, tag); len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s:%s lacks %v", repo, tag, missing))
		}
	}
	return out
}

// missingUnder lists what the manifest ref of repo lacks, recursively.
func missingUnder(t *testing.T, host, repo, ref string) []string {
	code, h, body := direct(t, host, http.MethodGet, "/v2/"+repo+"/manifests/"+ref)
	if code != http.StatusOK {
		return []string{fmt.Sprintf("manifest %s (%d)", ref, code)}
	}
	if types.MediaType(h.Get("Content-Type")).IsIndex() {
		im, err := v1.ParseIndexManifest(strings.NewReader(string(body)))
		if err != nil {
			return []string{fmt.Sprintf("index %s: %v", ref, err)}
		}
		var out []string
		for _, d := range im.Manifests {
			out = append(out, missingUnder(t, host, repo, d.Digest.String())...)
		}
		return out
	}
	m, err := v1.ParseManifest(strings.NewReader(string(body)))
	if err != nil {
		return []string{fmt.Sprintf("manifest %s: %v", ref, err)}
	}
	var out []string
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		code, h, _ := direct(t, host, http.MethodHead, "/v2/"+repo+"/blobs/"+d.Digest.String())
		if code != http.StatusOK || h.Get("Content-Length") != strconv.FormatInt(d.Size, 10) {
			out = append(out, fmt.Sprintf("blob %s (%d, %s bytes)", d.Digest, code, h.Get("Content-Length")))
		}
	}
	return out
}
