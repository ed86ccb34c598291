package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testEnv is an environment with no SOURCE_DATE_EPOCH, working in dir.
func testEnv(dir string) env {
	return env{
		getenv: func(k string) string {
			if k == "HOME" {
				return dir
			}
			return ""
		},
		lookup:  func(string) (string, bool) { return "", false },
		environ: os.Environ,
		getwd:   func() (string, error) { return dir, nil },
	}
}

// runLading runs the CLI in-process and returns exit code, stdout, stderr.
func runLading(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, testEnv(dir), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestBadInputs: every bad input gets an error naming the path at fault, a
// non-zero exit, and no file at any output path (issue #3, point 3).
func TestBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) []string // returns --add values
		code  int
		want  []string
	}{
		{"fifo", func(t *testing.T, dir string) []string {
			noErr(t, syscall.Mkfifo(filepath.Join(dir, "tree", "pipe"), 0o644))
			return []string{filepath.Join(dir, "tree") + ":/app"}
		}, exitBuild, []string{"tree/pipe", "FIFO"}},
		{"socket", func(t *testing.T, dir string) []string {
			l, err := net.Listen("unix", filepath.Join(dir, "tree", "sock"))
			noErr(t, err)
			t.Cleanup(func() { l.Close() })
			return []string{filepath.Join(dir, "tree") + ":/app"}
		}, exitBuild, []string{"tree/sock", "socket"}},
		{"device", func(t *testing.T, dir string) []string {
			return []string{"/dev/null:/dev/null"}
		}, exitBuild, []string{"/dev/null", "device"}},
		{"two sources one destination", func(t *testing.T, dir string) []string {
			return []string{filepath.Join(dir, "tree", "a.txt") + ":/x", filepath.Join(dir, "tree", "b.txt") + ":/x"}
		}, exitBuild, []string{"tree/a.txt", "tree/b.txt", "/x"}},
		{"relative destination", func(t *testing.T, dir string) []string {
			return []string{filepath.Join(dir, "tree", "a.txt") + ":x"}
		}, exitUsage, []string{"tree/a.txt:x", "absolute"}},
		{"dotdot destination", func(t *testing.T, dir string) []string {
			return []string{filepath.Join(dir, "tree", "a.txt") + ":/a/../../x"}
		}, exitBuild, []string{"tree/a.txt", ".."}},
		{"whiteout name", func(t *testing.T, dir string) []string {
			putFile(t, filepath.Join(dir, "tree", ".wh.secret"), "x")
			return []string{filepath.Join(dir, "tree") + ":/app"}
		}, exitBuild, []string{"tree/.wh.secret", "whiteout"}},
		{"missing source", func(t *testing.T, dir string) []string {
			return []string{filepath.Join(dir, "nope") + ":/x"}
		}, exitUsage, []string{"nope", "no such file"}}, // a usage error, as README says (issue #9)
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			putFile(t, filepath.Join(dir, "tree", "a.txt"), "a")
			putFile(t, filepath.Join(dir, "tree", "b.txt"), "b")
			args := []string{"build", "-q", "--source-date-epoch", "0"}
			for _, a := range tc.setup(t, dir) {
				args = append(args, "--add", a)
			}
			out := filepath.Join(dir, "out")
			noErr(t, os.Mkdir(out, 0o755))
			args = append(args, "--oci-layout", filepath.Join(out, "layout"), "--oci-archive", filepath.Join(out, "a.oci.tar"),
				"--docker-archive", filepath.Join(out, "a.docker.tar"), "--metadata-file", filepath.Join(out, "meta.json"))
			code, stdout, stderr := runLading(t, dir, args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on failure", stdout)
			}
			if left, _ := os.ReadDir(out); len(left) != 0 {
				t.Errorf("failed build left %v in the output directory", left)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"build", "--compression", "lz4"},
		{"build", "--compression-level", "12"},
		{"build", "--platform", "linux"},
		{"build", "--source-date-epoch", "yesterday"},
		{"build", "--entrypoint", "[not json"},
		{"build", "--expose", "99999"},
		{"build", "--env", "NOVALUE"},
		{"build", "--nope"},
		{"build", "--skip-image-checks", "bogus"},
		{"frobnicate"},
	} {
		dir := t.TempDir()
		code, stdout, stderr := runLading(t, dir, append(args, "--oci-layout", filepath.Join(dir, "out"))...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "lading:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and an error", args, code, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
			t.Errorf("%v: a usage error wrote output", args)
		}
	}
}

func TestEpochFromEnvironmentMustBeValid(t *testing.T) {
	dir := t.TempDir()
	e := testEnv(dir)
	e.getenv = func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return "12abc"
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"build", "--oci-layout", filepath.Join(dir, "o")}, e, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "SOURCE_DATE_EPOCH") {
		t.Fatalf("exit %d, stderr %q: want a usage error naming SOURCE_DATE_EPOCH", code, stderr.String())
	}
}

func putFile(t *testing.T, p, content string) {
	t.Helper()
	noErr(t, os.MkdirAll(filepath.Dir(p), 0o755))
	noErr(t, os.WriteFile(p, []byte(content), 0o644))
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestControlCharactersQuoted: a host path with an escape sequence in its
// name is printed with the sequence escaped, not sent to the terminal
// (issue 13, case 18).
func TestControlCharactersQuoted(t *testing.T) {
	dir := t.TempDir()
	evil := filepath.Join(dir, "a\x1b[2Jb")
	noErr(t, syscall.Mkfifo(evil, 0o644)) // a FIFO: an error naming the path
	code, _, stderr := runLading(t, dir, "build", "--add", evil+":/x", "--oci-layout", filepath.Join(dir, "out"))
	if code == 0 || strings.Contains(stderr, "\x1b") || !strings.Contains(stderr, `a\x1b[2Jb`) {
		t.Errorf("exit %d, stderr %q: want the path with ESC written as \\x1b", code, stderr)
	}
}
