package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPushArchiveWithoutPrefix: lading push recognises an oci-archive and a
// docker-archive by their contents when SRC has no kind: prefix.
func TestPushArchiveWithoutPrefix(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "a.txt"), "a")
	oci, docker := filepath.Join(dir, "a.oci.tar"), filepath.Join(dir, "a.docker.tar")
	if code, _, stderr := runLading(t, dir, "build", "-q", "--add", filepath.Join(dir, "tree")+":/a", "--source-date-epoch", "0",
		"--oci-archive", oci, "--docker-archive", docker); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, stderr)
	}
	for _, src := range []string{oci, docker} {
		code, stdout, stderr := runLading(t, dir, "push", "-q", src, host+"/pushed/"+filepath.Base(src)[2:5]+":v1")
		if code != 0 || !strings.Contains(stdout, host+"/pushed/") {
			t.Errorf("push %s: exit %d, stdout %q\n%s", src, code, stdout, stderr)
		}
	}
	notArchive := filepath.Join(dir, "tree", "a.txt")
	if code, _, stderr := runLading(t, dir, "push", "-q", notArchive, host+"/pushed/x:v1"); code != exitUsage && code != exitBuild || !strings.Contains(stderr, notArchive) {
		t.Errorf("push of a plain file: exit %d, stderr %q; want an error naming it", code, stderr)
	}
}
