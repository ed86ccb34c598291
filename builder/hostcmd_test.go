package builder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRunLineWriterTail(t *testing.T) {
	for _, tc := range []struct {
		name         string
		writes       []string
		lines, bytes int
		want         string
	}{
		{"nothing", nil, 20, 4096, ""},
		{"one line, no newline", []string{"oops"}, 20, 4096, "oops"},
		{"split across writes", []string{"hel", "lo\nwor", "ld\n"}, 20, 4096, "hello\nworld"},
		{"last lines only", []string{"1\n2\n3\n4\n5\n"}, 3, 4096, "3\n4\n5"},
		{"crlf", []string{"a\r\nb\r\n"}, 20, 4096, "a\nb"},
		{"byte cap", []string{"0123456789\nabcdefghij\n"}, 20, 8, "…cdefghij"},
		{"byte cap on a rune boundary", []string{"ééééé\n"}, 20, 5, "…éé"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newLineWriter(slog.New(slog.DiscardHandler), "t", "stderr", tc.lines, tc.bytes)
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := w.tail(); got != tc.want {
				t.Errorf("tail = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWithoutEnv(t *testing.T) {
	if got := withoutEnv([]string{"GOFLAGS=-x", "HOME=/h", "GOAMD64=v3"}, goMachineVars()...); !reflect.DeepEqual(got, []string{"HOME=/h"}) {
		t.Errorf("withoutEnv = %q", got)
	}
}

func TestRunLookPathUsesCommandEnv(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "only-here")
	noErr(t, os.WriteFile(tool, []byte("#!/bin/sh\necho found\n"), 0o755))
	noErr(t, os.WriteFile(filepath.Join(dir, "not-exec"), nil, 0o644))
	if p, err := lookPath("only-here", []string{"PATH=/nonexistent:" + dir}, "/"); err != nil || p != tool {
		t.Errorf("lookPath = %q, %v; want %s", p, err, tool)
	}
	if _, err := lookPath("not-exec", []string{"PATH=" + dir}, "/"); err == nil {
		t.Error("lookPath found a file that is not executable")
	}
	if _, err := lookPath("only-here", []string{"PATH=/nonexistent"}, "/"); err == nil || !strings.Contains(err.Error(), `on PATH "/nonexistent"`) {
		t.Errorf("lookPath error = %v, want it to name the PATH searched", err)
	}
}

func TestRunCheck(t *testing.T) {
	ctx := context.Background()
	env := HostEnv{Base: os.Environ()}
	ok := CheckCommand{Command: []string{"sh", "-c", `test "$(pwd)" = "$WANT_DIR" && test "$X" = y`}, Dir: t.TempDir()}
	ok.Env = map[string]string{"WANT_DIR": ok.Dir, "X": "y"}
	noErr(t, RunCheck(ctx, ok, env))
	noErr(t, HostCheck{Command: ok, Env: env}.Run(ctx))
	script := `for i in $(seq 1 30); do echo "vet line $i" >&2; done; echo "to stdout"; exit 3`
	err := RunCheck(ctx, CheckCommand{Command: []string{"sh", "-c", script}, Dir: t.TempDir()}, env)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 3 {
		t.Fatalf("failing check: %v, want a *CommandError with exit code 3", err)
	}
	msg := err.Error()
	for _, want := range []string{`check ["sh" "-c"`, "sh exited with code 3; its stderr ends with:\n    vet line 11\n", "vet line 30"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error:\n%s\nwant it to contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "vet line 10\n") || strings.Contains(msg, "to stdout") {
		t.Errorf("error keeps more than the last 20 stderr lines, or stdout:\n%s", msg)
	}
}

func TestRunCheckMissingCommand(t *testing.T) {
	err := RunCheck(context.Background(), CheckCommand{Command: []string{"lading-no-such-tool"}, Dir: t.TempDir()}, HostEnv{Base: []string{"PATH=/nonexistent"}})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != -1 || !strings.Contains(err.Error(), "find lading-no-such-tool on PATH") {
		t.Fatalf("error = %v, want a *CommandError saying the command is not on PATH", err)
	}
}

func TestRunEmptyCommand(t *testing.T) {
	err := RunCheck(context.Background(), CheckCommand{Dir: t.TempDir()}, HostEnv{})
	if err == nil || !strings.Contains(err.Error(), "no command given") {
		t.Errorf("error = %v, want no command given", err)
	}
}

func TestRunCommandErrorMessage(t *testing.T) {
	e := &CommandError{Command: []string{"make"}, ExitCode: 2, Stderr: "a\nb"}
	if got, want := e.Error(), "make exited with code 2; its stderr ends with:\n    a\n    b"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &CommandError{Command: []string{"make"}, ExitCode: -1, Err: fmt.Errorf("signal: killed")}
	if got, want := e.Error(), "make: signal: killed and wrote nothing to stderr"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
