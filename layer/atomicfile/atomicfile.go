// Package atomicfile writes files that appear whole or not at all: the bytes
// go to a temporary file beside the destination, which is synced and renamed
// over it only when everything was written. Outputs, metadata files, the
// lock file, credentials and caches are all written through it.
//
// It knows nothing of images; it must not read the environment.
package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Write creates path (and its missing parent directories) with the bytes
// fill writes, via a temp file in the same directory that is synced and
// renamed over path only when fill succeeds. On error nothing is left at
// path or beside it, and an existing file at path is untouched. A symlink
// to a regular file is written through (the file it resolves to is
// replaced); any other path that exists and is not a regular file is
// refused (see [Target]). Errors never name the temp file.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	target, err := Target(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create a file in %s for %s: %w", dir, path, Cause(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = renamed{err, tmp.Name(), path}
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("replace %s: %w", path, Cause(err))
	}
	return nil
}

// renamed is err with the temp file's name replaced by the path the user
// gave, wherever the message mentions it; Unwrap keeps the cause.
type renamed struct {
	err       error
	tmp, path string
}

func (r renamed) Error() string { return strings.ReplaceAll(r.err.Error(), r.tmp, r.path) }
func (r renamed) Unwrap() error { return r.err }

// WriteJSON writes v to path as JSON indented by indent, ending in a
// newline, atomically as Write does.
func WriteJSON(path string, perm os.FileMode, indent string, v any) error {
	raw, err := json.MarshalIndent(v, "", indent)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(append(raw, '\n'))
		return err
	})
}

// StaleAge is how old a temporary file or directory lading left behind
// must be before a later run removes it: a process killed with SIGKILL (or
// a second Ctrl-C) cannot clean up, and no build runs for a day.
const StaleAge = 24 * time.Hour

// RemoveStale removes what matches pattern in dir (a filepath.Match
// pattern such as "lading-build-*") and was last modified more than
// StaleAge ago. It is best effort: what cannot be removed is left.
func RemoveStale(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	cutoff := time.Now().Add(-StaleAge)
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.ModTime().Before(cutoff) {
			os.RemoveAll(m)
		}
	}
}

// RemoveStaleTemps removes the temporary files Write left beside path (as
// .NAME.*.tmp) when a writer was killed, once they are StaleAge old. An
// output calls it once before writing, not on every Write: it reads the
// whole directory.
func RemoveStaleTemps(path string) {
	RemoveStale(filepath.Dir(path), "."+escapeGlob(filepath.Base(path))+".*.tmp")
}

// escapeGlob quotes the filepath.Match metacharacters in a file name.
func escapeGlob(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
