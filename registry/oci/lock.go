package oci

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockLayout takes an exclusive lock for updating the existing layout at
// dir: a flock on index.json.lock beside index.json. The lock file is left
// in place (removing it would race with a writer waiting on it); it holds
// nothing, and readers of the layout ignore it.
func lockLayout(dir string) (func(), error) {
	path := filepath.Join(dir, "index.json.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock OCI layout %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock OCI layout %s: %w", dir, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
