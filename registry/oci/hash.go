package oci

import (
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
)

// fileHasDigest reports whether the file at path exists with digest d.
func fileHasDigest(path string, d v1.Hash) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	got, _, err := layer.HashCopy(io.Discard, f)
	return err == nil && got == d
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
	d, n, err := layer.HashCopy(w, rc)
	if err != nil {
		return fmt.Errorf("copy blob %s: %w", b.digest, err)
	}
	if d != b.digest || n != b.size {
		return fmt.Errorf("copy blob %s: content has digest %s and %d bytes, want %d bytes", b.digest, d, n, b.size)
	}
	return nil
}
