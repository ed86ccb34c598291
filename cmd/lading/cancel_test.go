package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInterruptedBuild: a cancelled build (Ctrl-C) exits 130 and leaves
// nothing at any output path.
func TestInterruptedBuild(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "big"), strings.Repeat("x", 1<<20))
	out := filepath.Join(dir, "out")
	noErr(t, os.Mkdir(out, 0o755))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"build", "--add", filepath.Join(dir, "tree") + ":/data", "--source-date-epoch", "0",
		"--oci-layout", filepath.Join(out, "layout"), "--oci-archive", filepath.Join(out, "a.tar")}, testEnv(dir), &stdout, &stderr)
	if code != exitCanceled {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitCanceled, stderr.String())
	}
	if left, _ := os.ReadDir(out); len(left) != 0 || stdout.Len() != 0 {
		t.Fatalf("interrupted build left %v, printed %q", left, stdout.String())
	}
}
