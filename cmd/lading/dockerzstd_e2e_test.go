package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerArchiveZstdE2E: a zstd build streamed to stdout as a
// docker-archive loads in podman, and the image ID podman reports is the
// one the result line (on stderr, since stdout carries the archive) names
// (issue 9).
func TestDockerArchiveZstdE2E(t *testing.T) {
	podman := requireTool(t, "podman")
	requireRoot(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "hello.txt"), "hello\n")
	code, stdout, stderr := runLading(t, dir, "build", "--source-date-epoch", "0", "--compression", "zstd",
		"--add", filepath.Join(dir, "tree")+":/srv", "-t", "example.com/zstd/app:v1", "--docker-archive", "-")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "gzip") {
		t.Errorf("stderr %q lacks the note that zstd layers are stored as gzip", stderr)
	}
	m := regexp.MustCompile(`(?m)^-@sha256:([0-9a-f]{64})$`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("stderr %q lacks the result line -@sha256:…", stderr)
	}
	archive := filepath.Join(dir, "app.docker.tar")
	noErr(t, os.WriteFile(archive, []byte(stdout), 0o644))
	state, err := os.MkdirTemp("", "podman-") // podman wants a short runroot
	noErr(t, err)
	t.Cleanup(func() { os.RemoveAll(state) })
	g := podmanGlobals(state)
	runCmd(t, exec.Command(podman, append(g, "load", "-i", archive)...))
	id := strings.TrimSpace(runCmd(t, exec.Command(podman, append(g, "image", "inspect", "--format", "{{.Id}}", "example.com/zstd/app:v1")...)))
	if id != m[1] {
		t.Errorf("podman loaded image ID %s, the result line says %s", id, m[1])
	}
}
