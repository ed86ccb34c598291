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
)

// Write creates path (and its missing parent directories) with the bytes
// fill writes, via a temp file in the same directory that is synced and
// renamed over path only when fill succeeds. On error nothing is left at
// path or beside it, and an existing file at path is untouched.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
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
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename temporary file to %s: %w", path, err)
	}
	return nil
}

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
