package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestLockCommand: lading lock pins the spec's base, keeps the pin until
// --update, prints old -> new, caches the pinned base, and a build with
// the registry gone uses the pinned digest from the cache.
func TestLockCommand(t *testing.T) {
	srv, host := inProcessRegistry(t)
	ref := host + "/base:v1"
	first := pushRandom(t, ref)

	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "files", "hello.txt"), "hi")
	putFile(t, filepath.Join(dir, "lading.yaml"), "base: "+ref+"\nplatforms: [linux/amd64]\n"+
		"layers:\n  - name: files\n    files: {src: ./files, dest: /srv}\n")
	spec := filepath.Join(dir, "lading.yaml")

	cache := filepath.Join(dir, "cache")
	code, stdout, stderr := runLading(t, dir, "lock", "-q", "-f", spec, "--cache-dir", cache)
	if code != 0 || strings.TrimSpace(stdout) != ref+"@"+first {
		t.Fatalf("lock: exit %d, stdout %q, stderr %s; want %s@%s", code, stdout, stderr, ref, first)
	}
	second := pushRandom(t, ref)
	if _, stdout, _ = runLading(t, dir, "lock", "-q", "-f", spec); !strings.Contains(stdout, "already pinned") {
		t.Errorf("lock without --update: %q, want the pin kept", stdout)
	}
	if _, stdout, _ = runLading(t, dir, "lock", "-q", "-f", spec, "--update", "--cache-dir", cache); strings.TrimSpace(stdout) != ref+": "+first+" -> "+second {
		t.Errorf("lock --update printed %q, want %s: %s -> %s", stdout, ref, first, second)
	}

	srv.Close() // lock cached the pinned base: the build needs no registry
	meta := filepath.Join(dir, "meta.json")
	code, _, stderr = runLading(t, dir, "build", "-q", "-f", spec, "--source-date-epoch", "0", "--skip-image-checks", "elf-arch",
		"--cache-dir", cache, "--oci-layout", filepath.Join(dir, "out"), "--metadata-file", meta)
	if code != 0 {
		t.Fatalf("build on the locked base: exit %d\n%s", code, stderr)
	}
	var res struct{ Base struct{ Digest string } }
	raw, err := os.ReadFile(meta)
	noErr(t, err)
	noErr(t, json.Unmarshal(raw, &res))
	if res.Base.Digest != second {
		t.Errorf("built on %s, want the locked %s", res.Base.Digest, second)
	}
}

// pushRandom pushes a random linux/amd64 image to ref and returns its digest.
func pushRandom(t *testing.T, ref string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	noErr(t, err)
	r, err := name.ParseReference(ref)
	noErr(t, err)
	noErr(t, remote.Write(r, img))
	d, err := img.Digest()
	noErr(t, err)
	return d.String()
}
