package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestSecondInterruptExits: lading blocked in a read that does not watch
// the context (a spec read from a pipe that never ends) exits 130 at the
// second SIGINT (issue 13, case 14: both were ignored).
func TestSecondInterruptExits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lading binary")
	}
	cmd := exec.Command(ladingBinary(t), "build", "-f", "/dev/stdin", "--oci-layout", filepath.Join(t.TempDir(), "out"))
	cmd.Env = childEnv()
	stdin, err := cmd.StdinPipe() // held open: the read blocks
	noErr(t, err)
	defer stdin.Close()
	noErr(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(500 * time.Millisecond)
	noErr(t, cmd.Process.Signal(os.Interrupt))
	select {
	case err := <-done:
		t.Fatalf("lading ended at the first interrupt while blocked (%v): the test needs it blocked", err)
	case <-time.After(300 * time.Millisecond):
	}
	noErr(t, cmd.Process.Signal(os.Interrupt))
	select {
	case <-done:
		if code := cmd.ProcessState.ExitCode(); code != exitCanceled {
			t.Errorf("exit %d after the second interrupt, want %d", code, exitCanceled)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("lading ignored a second interrupt")
	}
}
