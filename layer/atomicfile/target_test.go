package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTargetRefusesWhatIsNotARegularFile: a path that exists and is not a
// regular file, or a symlink that leads to one of those, is refused and
// left as it was; a symlink to a regular file resolves to it (issue 9).
func TestTargetRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "dir"), 0o755))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	for name, target := range map[string]string{"stdout": "/proc/self/fd/1", "todir": "dir", "dangling": "nowhere", "tolink": "stdout"} {
		must(t, os.Symlink(target, filepath.Join(dir, name)))
	}
	for _, name := range []string{"dir", "fifo", "stdout", "todir", "dangling", "tolink"} {
		p := filepath.Join(dir, name)
		before, _ := os.Lstat(p)
		if got, err := Target(p); err == nil {
			t.Errorf("Target(%s) = %s, want an error", name, got)
		}
		if err := Write(p, 0o644, func(io.Writer) error { return nil }); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Write(%s) = %v, want an error naming the path", name, err)
		}
		if after, _ := os.Lstat(p); after.Mode() != before.Mode() {
			t.Errorf("%s changed from %v to %v", name, before.Mode(), after.Mode())
		}
	}
	must(t, os.Symlink("file", filepath.Join(dir, "link")))
	got, err := Target(filepath.Join(dir, "link"))
	if err != nil || got != filepath.Join(dir, "file") {
		t.Errorf("Target(link) = %q, %v; want the file it resolves to", got, err)
	}
}

// TestWriteThroughSymlink: writing a symlink to a regular file replaces the
// file and keeps the link (issue 9).
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "releases"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "releases", "v1.tar"), []byte("old"), 0o644))
	link := filepath.Join(dir, "current.tar")
	must(t, os.Symlink("releases/v1.tar", link))
	must(t, Write(link, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }))
	if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a %v", fi.Mode())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "releases", "v1.tar")); string(got) != "new" {
		t.Errorf("the link's target holds %q, want new", got)
	}
}

// TestCheckFileAndDir: a parent that cannot be created (it is under a
// regular file) and a directory given for a file are reported, naming the
// path at fault; a missing parent that can be created is fine, and nothing
// is left behind.
func TestCheckFileAndDir(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644))
	for _, p := range []string{"file/sub/out.tar", "."} {
		if err := CheckFile(filepath.Join(dir, p)); err == nil {
			t.Errorf("CheckFile(%s) succeeded", p)
		}
	}
	if err := CheckDir(filepath.Join(dir, "file")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("CheckDir(file) = %v, want 'not a directory'", err)
	}
	must(t, CheckFile(filepath.Join(dir, "new", "deeper", "out.tar")))
	must(t, CheckDir(filepath.Join(dir, "new", "layout")))
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the checks left %d entries, want only the file", len(entries))
	}
}

// TestWriteErrorsDoNotNameTheTempFile: an error while writing names the
// destination, never the temporary file beside it (issue 9).
func TestWriteErrorsDoNotNameTheTempFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.tar")
	err := Write(path, 0o644, func(w io.Writer) error {
		return &fs.PathError{Op: "write", Path: w.(*os.File).Name(), Err: syscall.ENOSPC}
	})
	if !errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), ".tmp") || !strings.Contains(err.Error(), path) {
		t.Errorf("Write error %q: want ENOSPC naming %s and no temporary file", err, path)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
