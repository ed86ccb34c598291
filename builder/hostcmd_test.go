package builder

import (
	"context"
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
