package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrNotRegular is wrapped by the errors of [Target] and [CheckFile] for a
// path that exists and is not a regular file (nor a symlink to one).
var ErrNotRegular = errors.New("not a regular file")

// Target returns the file Write replaces for path: path itself, or, when
// path is a symlink to a regular file, the file it resolves to, so the
// link stays a link (as shell redirection and docker's config.json writer
// do). A path that exists and is anything else (a directory, a device such
// as /dev/stdout, a FIFO, a socket, a symlink to one of these or to
// nothing) is refused: renaming over it would replace it with a regular
// file (issue 9).
func Target(path string) (string, error) {
	fi, err := os.Lstat(path)
	switch {
	case err != nil && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)):
		return path, nil
	case err != nil:
		return "", err
	case fi.Mode().IsRegular():
		return path, nil
	case fi.Mode()&fs.ModeSymlink == 0:
		return "", fmt.Errorf("%s exists and is %s, %w; name another path", path, Kind(fi.Mode()), ErrNotRegular)
	}
	resolved, err := resolveLink(path)
	if err != nil {
		return "", err
	}
	if fi, err = os.Stat(resolved); err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is a symlink to %s, which is %s, %w; name another path", path, resolved, Kind(fi.Mode()), ErrNotRegular)
	}
	return resolved, nil
}

// maxLinks bounds the symlinks resolveLink follows, as the kernel does.
const maxLinks = 40

// resolveLink follows the symlink at path to the path it finally names.
// It refuses links into /proc (/dev/stdout and /dev/fd/N lead there): those
// name an open file descriptor, not a file that could be replaced.
func resolveLink(path string) (string, error) {
	p := path
	for range maxLinks {
		dir, err := filepath.EvalSymlinks(filepath.Dir(p))
		if err != nil {
			return "", fmt.Errorf("%s is a symlink that does not resolve (%w); remove it or name another path", path, Cause(err))
		}
		if p = filepath.Join(dir, filepath.Base(p)); strings.HasPrefix(p, "/proc/") {
			return "", fmt.Errorf("%s leads to %s (an open file descriptor), %w; name another path", path, p, ErrNotRegular)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return "", fmt.Errorf("%s is a symlink to %s, which does not exist (%w); remove the link or name another path", path, p, Cause(err))
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(dir, t)
		}
		p = t
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// CheckFile reports, before any work, whether Write(path, …) can succeed:
// path is refused as [Target] refuses it, and the directory it goes in must
// be writable, or creatable under the nearest directory that exists. It
// leaves nothing behind.
func CheckFile(path string) error {
	target, err := Target(path)
	if err != nil {
		return err
	}
	return CheckDir(filepath.Dir(target))
}

// CheckDir reports whether files can be created in dir: dir is a writable
// directory, or does not exist and its nearest existing ancestor is a
// writable directory. It probes by creating and removing a file, which
// covers permissions, ACLs and read-only file systems alike.
func CheckDir(dir string) error {
	d := filepath.Clean(dir)
	for {
		fi, err := os.Stat(d)
		switch {
		case err == nil && !fi.IsDir() && d == filepath.Clean(dir):
			return fmt.Errorf("%s is %s, not a directory; name another path", d, Kind(fi.Mode()))
		case err == nil && !fi.IsDir():
			return fmt.Errorf("%s is %s, not a directory, so %s cannot be created; name another path", d, Kind(fi.Mode()), dir)
		case err == nil:
			return probe(d)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return err
		case filepath.Dir(d) == d:
			return err
		}
		d = filepath.Dir(d)
	}
}

// probe creates and removes a file in dir.
func probe(dir string) error {
	f, err := os.CreateTemp(dir, ".lading-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, Cause(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// Kind names a file mode for a message: "a directory", "a FIFO", "a
// character device"; the one such namer for atomicfile and layer alike.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// Cause strips the path from a *PathError or *LinkError, for messages that
// must not name a temporary file; other errors are returned as they are.
func Cause(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
