package main

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
)

// sources lists each lading layer's cacheSource ("-" when packed).
func (m buildMeta) sources() string {
	var out []string
	for _, l := range m.Manifests[0].Layers {
		if l.Name != "" {
			out = append(out, cmpOr(l.CacheSource, "-"))
		}
	}
	return strings.Join(out, ",")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestCacheRepoShared: two runners with their own cache directories share
// one --cache-repo (ggcr's in-process registry): the second packs nothing,
// says where its layers came from, and writes the same bytes.
func TestCacheRepoShared(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := cacheProject(t)
	repo := []string{"--cache-repo", host + "/team/app-cache"}
	first, m1 := cachedBuild(t, dir, append(repo, "--cache-dir", t.TempDir())...)
	if m1.LayersPacked != 3 || m1.sources() != "-,-,-" {
		t.Fatalf("first runner: packed %d, sources %s; want 3, -,-,-", m1.LayersPacked, m1.sources())
	}
	second, m2 := cachedBuild(t, dir, append(repo, "--cache-dir", t.TempDir())...)
	if m2.LayersPacked != 0 || m2.cachedNames() != "a,b,gen" || m2.sources() != "registry,registry,registry" {
		t.Errorf("second runner: packed %d, cached %q, sources %s; want 0, a,b,gen, all registry",
			m2.LayersPacked, m2.cachedNames(), m2.sources())
	}
	if !bytes.Equal(first, second) {
		t.Errorf("the second runner wrote different bytes")
	}
	code, _, stderr := runLading(t, dir, "build", "-f", filepath.Join(dir, "lading.yaml"), "--oci-archive",
		filepath.Join(t.TempDir(), "x.tar"), "--cache-dir", t.TempDir(), repo[0], repo[1])
	if code != 0 || strings.Count(stderr, ": cached (registry)") != 3 {
		t.Errorf("a third runner: exit %d, want 3 lines ': cached (registry)':\n%s", code, stderr)
	}
}

// TestCacheRepoWrongBlob: a cache repository that serves other bytes for
// every blob, or that cannot be reached, costs warnings and a local pack,
// never a wrong image.
func TestCacheRepoWrongBlob(t *testing.T) {
	var swap atomic.Bool
	inner := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if swap.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			w.Write(bytes.Repeat([]byte{0x1f}, 64)) // not the blob asked for
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := cacheProject(t)
	repo := []string{"--cache-repo", host + "/team/app-cache"}
	want, _ := cachedBuild(t, dir, append(repo, "--cache-dir", t.TempDir())...)
	swap.Store(true)
	got, m := cachedBuild(t, dir, append(repo, "--cache-dir", t.TempDir())...)
	if m.LayersPacked != 3 || !bytes.Equal(got, want) {
		t.Errorf("with a lying cache repo: packed %d, same bytes %v; want 3, true", m.LayersPacked, bytes.Equal(got, want))
	}
	code, _, stderr := runLading(t, dir, "build", "-f", filepath.Join(dir, "lading.yaml"), "--oci-archive",
		filepath.Join(t.TempDir(), "x.tar"), "--cache-dir", t.TempDir(), repo[0], repo[1])
	if code != 0 || strings.Count(stderr, "ignoring a bad entry of the cache repository") != 3 {
		t.Errorf("exit %d; want one warning per bad entry:\n%s", code, stderr)
	}
	if testing.Verbose() {
		t.Log(stderr)
	}
	srv.Close()
	down, m := cachedBuild(t, dir, append(repo, "--cache-dir", t.TempDir())...)
	if m.LayersPacked != 3 || !bytes.Equal(down, want) {
		t.Errorf("with the cache repo down: packed %d, same bytes %v; want 3, true", m.LayersPacked, bytes.Equal(down, want))
	}
}

// TestCacheRepoNeedsLayerCache: --cache-repo keeps what it pulls in the
// layer cache, so --no-cache with it is a usage error naming the fix.
func TestCacheRepoNeedsLayerCache(t *testing.T) {
	dir := cacheProject(t)
	out := filepath.Join(t.TempDir(), "x.tar")
	code, _, stderr := runLading(t, dir, "build", "-f", filepath.Join(dir, "lading.yaml"), "--oci-archive", out,
		"--no-cache", "--cache-repo", "127.0.0.1:1/c")
	if code != exitUsage || !strings.Contains(stderr, "drop --no-cache") {
		t.Errorf("exit %d, stderr %q; want %d and the fix", code, stderr, exitUsage)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an output was written")
	}
}
