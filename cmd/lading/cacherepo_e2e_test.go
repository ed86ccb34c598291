package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCacheRepoEndToEnd: issue 10, done-when 3. Two runners with separate
// cache directories (one by --cache-dir, one by LADING_CACHE_DIR) share
// one --cache-repo on Debian's docker-registry, with TLS and a password:
// the first packs and publishes every layer, the second packs none and
// writes byte-identical outputs.
func TestCacheRepoEndToEnd(t *testing.T) {
	reg := startDistribution(t)
	home := t.TempDir()
	cfg := filepath.Join(home, "docker", "config.json")
	env := registryEnv(cfg)
	ca := []string{"--registry-ca", reg.ca}
	regLadingOK(t, env, regPassword+"\n", append([]string{"login", reg.host, "-u", regUser, "--password-stdin"}, ca...)...)
	dir := cacheProject(t)
	repo := append([]string{"--cache-repo", reg.host + "/lading/app-cache"}, ca...)

	first, m1, stderr := e2eCacheBuild(t, env, dir, append(repo, "--cache-dir", t.TempDir())...)
	if m1.LayersPacked != 3 || strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "layers=3") {
		t.Fatalf("first runner: packed %d; want 3, published, no warning:\n%s", m1.LayersPacked, stderr)
	}
	second, m2, stderr := e2eCacheBuild(t, append(env, "LADING_CACHE_DIR="+t.TempDir()), dir, repo...)
	if m2.LayersPacked != 0 || m2.sources() != "registry,registry,registry" || strings.Contains(stderr, "level=WARN") {
		t.Errorf("second runner: packed %d, sources %s; want 0, all registry, no warning:\n%s", m2.LayersPacked, m2.sources(), stderr)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("the second runner wrote different bytes")
	}
}

// e2eCacheBuild builds cacheProject's spec with the lading binary into a
// fresh oci-archive and returns its bytes, the metadata and stderr.
func e2eCacheBuild(t *testing.T, env []string, dir string, extra ...string) ([]byte, buildMeta, string) {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"build", "-f", filepath.Join(dir, "lading.yaml"), "--source-date-epoch", "0",
		"--oci-archive", filepath.Join(out, "image.tar"), "--metadata-file", filepath.Join(out, "meta.json")}, extra...)
	_, stderr := regLadingRun(t, env, "", args...)
	archive, err := os.ReadFile(filepath.Join(out, "image.tar"))
	noErr(t, err)
	var m buildMeta
	readJSON(t, filepath.Join(out, "meta.json"), &m)
	return archive, m, stderr
}
