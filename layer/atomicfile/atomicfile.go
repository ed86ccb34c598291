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
