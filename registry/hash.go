package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// hashCopy copies r to w and returns the sha256 and length of what passed.
func hashCopy(w io.Writer, r io.Reader) (v1.Hash, int64, error) {
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		return v1.Hash{}, n, err
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, n, nil
}

// fileHasDigest reports whether the file at path exists with digest d.
func fileHasDigest(path string, d v1.Hash) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	got, _, err := hashCopy(io.Discard, f)
	return err == nil && got == d
}
