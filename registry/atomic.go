package registry

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile creates path (and its missing parent directories) with the
// bytes fill writes, via a temp file in
// the same directory that is synced and renamed over path only when fill
// succeeds. On error nothing is left at path or beside it.
func WriteFile(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
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
		return fmt.Errorf("chmod %s: %w", tmp.Name(), err)
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename temporary file to %s: %w", path, err)
	}
	return nil
}

// copyBlob copies b into w and checks that what was copied has b's digest
// and size, so a source that changed under us cannot produce a blob whose
// name lies about its content.
func copyBlob(w io.Writer, b blob) error {
	rc, err := b.open()
	if err != nil {
		return fmt.Errorf("open blob %s: %w", b.digest, err)
	}
	defer rc.Close()
	d, n, err := hashCopy(w, rc)
	if err != nil {
		return fmt.Errorf("copy blob %s: %w", b.digest, err)
	}
	if d != b.digest || n != b.size {
		return fmt.Errorf("copy blob %s: content has digest %s and %d bytes, want %d bytes", b.digest, d, n, b.size)
	}
	return nil
}
