package builder

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestRunCommandEnvironment(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	l := RunLayer{
		Command: []string{"sh", "-c", `env | grep -E '^(TARGET|OUT=|FROM_)' | sort > "$OUT/env.txt"; pwd > "$OUT/pwd.txt"`},
		Env:     map[string]string{"FROM_LAYER": "layer", "FROM_BASE": "overridden", "OUT": "ignored"},
		Dir:     dir, Dest: "/srv/gen",
	}
	base := append(os.Environ(), "FROM_BASE=base", "TARGETARCH=stale")
	p := v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}
	noErr(t, RunCommand(context.Background(), l, p, out, HostEnv{Base: base}))
	got, err := os.ReadFile(filepath.Join(out, "env.txt"))
	noErr(t, err)
	want := "FROM_BASE=overridden\nFROM_LAYER=layer\nOUT=" + out + "\nTARGETARCH=arm\nTARGETOS=linux\nTARGETPLATFORM=linux/arm/v7\nTARGETVARIANT=v7\n"
	if string(got) != want {
		t.Errorf("environment:\n%s\nwant:\n%s", got, want)
	}
	if pwd, _ := os.ReadFile(filepath.Join(out, "pwd.txt")); strings.TrimSpace(string(pwd)) != dir {
		t.Errorf("ran in %s, want %s", pwd, dir)
	}
}

func TestRunCommandFailure(t *testing.T) {
	l := RunLayer{Command: []string{"sh", "-c", "echo compiling; echo 'make: *** [dist] Error 2' >&2; exit 2"}, Dir: t.TempDir(), Dest: "/srv"}
	var logs bytes.Buffer
	env := HostEnv{Base: os.Environ(), Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	err := RunCommand(context.Background(), l, amd64, t.TempDir(), env)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 2 || ce.Stderr != "make: *** [dist] Error 2" {
		t.Fatalf("error = %#v, want a *CommandError with exit code 2 and the stderr line", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `for linux/amd64: sh exited with code 2; its stderr ends with:`) {
		t.Errorf("error %q does not name the platform and exit code", msg)
	}
	if !strings.Contains(logs.String(), "line=compiling") || !strings.Contains(logs.String(), "stream=stderr") {
		t.Errorf("output was not streamed to the logger at debug:\n%s", logs.String())
	}
}

func TestRunCommandWarnsWhenOutIsEmpty(t *testing.T) {
	var logs bytes.Buffer
	env := HostEnv{Base: os.Environ(), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	noErr(t, RunCommand(context.Background(), RunLayer{Command: []string{"true"}, Dir: t.TempDir()}, amd64, t.TempDir(), env))
	if !strings.Contains(logs.String(), "run layer left $OUT empty") {
		t.Errorf("no warning for an empty OUT:\n%s", logs.String())
	}
}

// TestRunCommandCancelKillsChildren cancels a step whose shell started a
// long sleep: RunCommand returns promptly, wrapping the context's error.
func TestRunCommandCancelKillsChildren(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	l := RunLayer{Command: []string{"sh", "-c", "sleep 30; echo done"}, Dir: t.TempDir()}
	err := RunCommand(ctx, l, amd64, t.TempDir(), HostEnv{Base: os.Environ()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("RunCommand took %s after cancellation; the sleep was not killed", d)
	}
}

func TestRunLayerMake(t *testing.T) {
	dir := t.TempDir()
	l := &RunLayer{Command: []string{"sh", "-c", `echo "built-for-$TARGETPLATFORM" > "$OUT/build-info.txt"`}, Dir: t.TempDir(), Dest: "/srv/generated"}
	src, err := l.make(context.Background(), arm64, dir, HostEnv{Base: os.Environ()})
	noErr(t, err)
	got, err := os.ReadFile(filepath.Join(src, "build-info.txt"))
	noErr(t, err)
	if src != dir || string(got) != "built-for-linux/arm64\n" {
		t.Errorf("make = %s, %q", src, got)
	}
	if d := l.describe("generated"); d != "lading: run generated -> /srv/generated" {
		t.Errorf("describe = %q", d)
	}
}
