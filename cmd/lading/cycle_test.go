package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfNamingLayout writes a layout whose index.json names index blob X,
// and blob X is an index naming X again (for linux/amd64): a graph with a
// cycle, which only a reader that trusts blob names can follow.
func selfNamingLayout(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	sum := sha256.Sum256([]byte("self"))
	x := "sha256:" + hex.EncodeToString(sum[:])
	entry := func(size int) string {
		return fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.index.v1+json","digest":%q,"size":%d,"platform":{"architecture":"amd64","os":"linux"}}`, x, size)
	}
	index := func(size int) string {
		return `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` + entry(size) + `]}`
	}
	size := 0
	for len(index(size)) != size {
		size = len(index(size))
	}
	putFile(t, filepath.Join(dir, "blobs", "sha256", x[len("sha256:"):]), index(size))
	putFile(t, filepath.Join(dir, "index.json"), index(size))
	putFile(t, filepath.Join(dir, "oci-layout"), `{"imageLayoutVersion":"1.0.0"}`)
	return dir, x
}

// TestSelfNamingIndexFailsFast: lading push of a layout whose index names
// itself, and a build on it as a base, fail at once (issue 13, case 10:
// push recursed to a stack overflow after 182 s). Since layouts are read
// verified, blob X is refused for not hashing to X, before any walk.
func TestSelfNamingIndexFailsFast(t *testing.T) {
	_, host := inProcessRegistry(t)
	layout, x := selfNamingLayout(t)
	work := t.TempDir()
	putFile(t, filepath.Join(work, "tree", "a.txt"), "a")
	for name, args := range map[string][]string{
		"push":  {"push", "-q", "oci-layout:" + layout, host + "/cycle/x:v1"},
		"build": {"build", "-q", "--base", "oci-layout:" + layout, "--platform", "linux/amd64", "--add", filepath.Join(work, "tree") + ":/a", "--oci-layout", filepath.Join(work, "out")},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := runLading(t, work, args...)
			// The forged blob is refused when read (its bytes are not X);
			// registry/oci.Walk's cycle check stays behind it.
			if code == 0 || !strings.Contains(stderr, x) && !strings.Contains(stderr, "names itself") {
				t.Errorf("exit %d, stderr %q; want a failure naming %s or the cycle", code, stderr, x)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s, want a fast failure", d)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(work, "out")); err == nil {
		t.Error("the build wrote its output")
	}
}
