package layer

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Digester is an io.Writer that hashes (sha256) and counts the bytes written
// to it: the two facts that name a blob. It is the one such writer in
// lading; layers, layouts and archives all check blobs through it.
type Digester struct {
	h hash.Hash
	n int64
}

// NewDigester returns an empty Digester.
func NewDigester() *Digester { return &Digester{h: sha256.New()} }

func (d *Digester) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.h.Write(p)
}

// Digest returns the sha256 digest of what was written so far.
func (d *Digester) Digest() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(d.h.Sum(nil))}
}

// Size returns how many bytes were written.
func (d *Digester) Size() int64 { return d.n }

// HashCopy copies r to w and returns the digest and length of what passed.
func HashCopy(w io.Writer, r io.Reader) (v1.Hash, int64, error) {
	d := NewDigester()
	n, err := io.Copy(io.MultiWriter(w, d), r)
	if err != nil {
		return v1.Hash{}, n, err
	}
	return d.Digest(), d.Size(), nil
}
