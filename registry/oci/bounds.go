package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Caps on what lading reads whole into memory from a layout, an archive
// or a registry, none of which is trusted (issue 13: index.json on
// /dev/zero hung lading, a 3 GiB config ran it out of memory). Layers are
// streamed and need no cap.
const (
	// MaxIndexSize caps index.json and every manifest and index blob.
	// The largest real ones (an index of dozens of platforms, a manifest
	// of a hundred layers with annotations) are tens of KiB; registries
	// commonly refuse manifests over 4 MiB, so no pushable image has one.
	MaxIndexSize = 4 << 20
	// MaxConfigSize caps an image config. Real configs, even with
	// hundreds of history entries and long labels, stay under 1 MiB.
	MaxConfigSize = 8 << 20
)

// readBounded reads the regular file at path, of at most max bytes. A
// FIFO, device or directory is refused before it is opened, so a layout
// whose index.json is /dev/zero or a pipe cannot hold lading.
func readBounded(path string, max int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s holds %d bytes, more than the %d lading reads", path, fi.Size(), max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi2, err := f.Stat(); err != nil || !os.SameFile(fi, fi2) {
		return nil, fmt.Errorf("%s changed while it was opened", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("%s holds more than the %d bytes lading reads", path, max)
	}
	return b, err
}

// notTheBlob ends the errors of CheckBlob, with the fix.
const notTheBlob = "it is not the blob its descriptor names; the image is broken or forged: export or pull it again"

// CheckBlob checks that b is the blob desc names: its size, then its
// sha256 (the only digest lading accepts).
func CheckBlob(b []byte, desc v1.Descriptor) error {
	if int64(len(b)) != desc.Size {
		return fmt.Errorf("blob %s holds %d bytes, not the %d its descriptor says: %s", desc.Digest, len(b), desc.Size, notTheBlob)
	}
	if desc.Digest.Algorithm != "sha256" {
		return fmt.Errorf("blob %s: lading checks sha256 digests only", desc.Digest)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != desc.Digest.Hex {
		return fmt.Errorf("blob %s has digest sha256:%s: %s", desc.Digest, got, notTheBlob)
	}
	return nil
}

// CheckDeclared refuses a descriptor that declares more than max bytes
// (or a negative size), before anything is read; what names the blob's
// role in errors ("config").
func CheckDeclared(desc v1.Descriptor, max int64, what string) error {
	if desc.Size > max || desc.Size < 0 {
		return fmt.Errorf("%s %s declares %d bytes, more than the %d lading reads", what, desc.Digest, desc.Size, max)
	}
	return nil
}

// openRegular opens the regular file at path for streaming; anything
// else (a FIFO would block the open) is refused first.
func openRegular(path string) (io.ReadCloser, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	return os.Open(path)
}
