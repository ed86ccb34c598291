package main

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUnwritableOutputsRefusedFirst: an output that exists and is not what
// its flag writes (a device link such as /dev/stdout, a FIFO, a directory
// for an archive, a file for a layout), or whose parent cannot be created,
// is a usage error naming the flag and the path, found before the base is
// resolved (the base here does not exist), and left as it was (issue 9).
func TestUnwritableOutputsRefusedFirst(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) (flag, path string)
		want  string
	}{
		{"stdout link", func(t *testing.T, dir string) (string, string) {
			noErr(t, os.Symlink("/proc/self/fd/1", filepath.Join(dir, "stdout")))
			return "--oci-archive", filepath.Join(dir, "stdout")
		}, "--oci-archive -"},
		{"fifo", func(t *testing.T, dir string) (string, string) {
			noErr(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
			return "--docker-archive", filepath.Join(dir, "fifo")
		}, "FIFO"},
		{"directory for an archive", func(t *testing.T, dir string) (string, string) {
			return "--oci-archive", dir
		}, "directory"},
		{"device for metadata", func(t *testing.T, dir string) (string, string) {
			return "--metadata-file", "/dev/null"
		}, "character device"},
		{"file for a layout", func(t *testing.T, dir string) (string, string) {
			putFile(t, filepath.Join(dir, "file"), "x")
			return "--oci-layout", filepath.Join(dir, "file")
		}, "not a directory"},
		{"parent under a file", func(t *testing.T, dir string) (string, string) {
			putFile(t, filepath.Join(dir, "file"), "x")
			return "--oci-archive", filepath.Join(dir, "file", "sub", "out.tar")
		}, "not a directory"},
		{"layout parent under a file", func(t *testing.T, dir string) (string, string) {
			putFile(t, filepath.Join(dir, "file"), "x")
			return "--oci-layout", filepath.Join(dir, "file", "out")
		}, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			flag, path := tc.setup(t, dir)
			before, _ := os.Lstat(path)
			args := []string{"build", "--base", "oci-layout:" + filepath.Join(dir, "no-base"), "--add", dir + ":/x", flag, path}
			if flag == "--metadata-file" {
				args = append(args, "--oci-layout", filepath.Join(dir, "out"))
			}
			code, stdout, stderr := runLading(t, dir, args...)
			if code != exitUsage || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and nothing on stdout", code, stdout, stderr)
			}
			for _, want := range []string{flag, path, tc.want} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q does not name %q", stderr, want)
				}
			}
			for _, bad := range []string{"no-base", ".tmp"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr %q mentions %q: the check came after build work", stderr, bad)
				}
			}
			if after, _ := os.Lstat(path); before != nil && after.Mode() != before.Mode() {
				t.Errorf("%s changed from %v to %v", path, before.Mode(), after.Mode())
			}
		})
	}
}

// TestStdoutOutputs: "-" streams an archive or the metadata to stdout,
// which then carries nothing else; the result line goes to stderr. Two
// "-" and a layout on "-" are usage errors (issue 9).
func TestStdoutOutputs(t *testing.T) {
	for _, flag := range []string{"--oci-archive", "--docker-archive", "--metadata-file"} {
		t.Run(flag, func(t *testing.T) {
			dir := t.TempDir()
			putFile(t, filepath.Join(dir, "tree", "a.txt"), "a")
			args := []string{"build", "--source-date-epoch", "0", "--add", filepath.Join(dir, "tree") + ":/app", flag, "-"}
			if flag == "--metadata-file" {
				args = append(args, "--oci-archive", filepath.Join(dir, "o.tar"))
			}
			code, stdout, stderr := runLading(t, dir, args...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if !strings.Contains(stderr, "@sha256:") {
				t.Errorf("stderr %q lacks the result line", stderr)
			}
			if flag == "--metadata-file" {
				var m map[string]any
				noErr(t, json.Unmarshal([]byte(stdout), &m))
				return
			}
			names := tarNames(t, strings.NewReader(stdout))
			if !strings.Contains(names, "manifest.json") && !strings.Contains(names, "index.json") {
				t.Errorf("stdout is a tar of %s, want an image archive", names)
			}
		})
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--oci-archive", "-", "--docker-archive", "-"},
		{"--oci-archive", "-", "--metadata-file", "-"},
		{"--oci-layout", "-"},
	} {
		code, stdout, stderr := runLading(t, dir, append([]string{"build", "--add", dir + ":/x"}, args...)...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, args[0]+" -") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a usage error naming %s -", args, code, stdout, stderr, args[0])
		}
	}
}

// TestStdoutOutputFailedBuild: a build that fails writes nothing to
// stdout, even when an archive streams there.
func TestStdoutOutputFailedBuild(t *testing.T) {
	dir := t.TempDir()
	noErr(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644)) // a FIFO fails the build, not its flags
	code, stdout, _ := runLading(t, dir, "build", "--add", dir+":/x", "--oci-archive", "-")
	if code != exitBuild || stdout != "" {
		t.Errorf("exit %d, %d bytes on stdout; want exit 1 and nothing", code, len(stdout))
	}
}

// tarNames lists a tar's entry names, failing on a malformed tar.
func tarNames(t *testing.T, r io.Reader) string {
	t.Helper()
	tr := tar.NewReader(r)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return strings.Join(names, " ")
		}
		noErr(t, err)
		names = append(names, h.Name)
	}
}
