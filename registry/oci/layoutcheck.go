package oci

import (
	"fmt"
	"os"

	"github.com/lading-dev/lading/layer/atomicfile"
)

// CheckLayout reports, before any work, whether an OCI layout can be
// written at dir: dir is a writable directory that is empty or holds a
// readable index.json, or does not exist and can be created. A file (or
// anything else that is not a directory) at dir is refused (issue 9).
func CheckLayout(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("%s exists and is not a directory; an OCI layout is a directory: name another path, or write an oci-archive there instead", dir)
	case err == nil:
		if _, err := readLayoutIndex(dir); err != nil {
			return err
		}
	}
	return atomicfile.CheckDir(dir)
}
