package layer

import (
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is a finished, file-backed layer. Its digest, diffID and sizes were
// computed while it was written, so none of its accessors reads the blob.
// The file belongs to the [Writer]'s directory; whoever owns that directory
// removes it.
type Layer struct {
	path             string
	digest, diffID   v1.Hash
	size             int64
	uncompressedSize int64
	compression      Compression
}

var _ v1.Layer = (*Layer)(nil)

// Info is what is known of a finished layer without reading it: what a
// cache stores beside the blob.
type Info struct {
	Digest           v1.Hash     `json:"digest"`
	DiffID           v1.Hash     `json:"diffID"`
	Size             int64       `json:"size"`
	UncompressedSize int64       `json:"uncompressedSize"`
	Compression      Compression `json:"compression"`
}

// Info returns l's digests, sizes and compression.
func (l *Layer) Info() Info {
	return Info{Digest: l.digest, DiffID: l.diffID, Size: l.size, UncompressedSize: l.uncompressedSize, Compression: l.compression}
}

// FromFile returns the layer whose blob is the file at path, described by
// info. Nothing is read: the caller vouches for info (a cache verifies the
// blob against it before handing it out).
func FromFile(path string, info Info) *Layer {
	return &Layer{path: path, digest: info.Digest, diffID: info.DiffID, size: info.Size,
		uncompressedSize: info.UncompressedSize, compression: info.Compression}
}

// Path returns the layer file's location.
func (l *Layer) Path() string { return l.path }

// Digest returns the sha256 of the compressed blob.
func (l *Layer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID returns the sha256 of the uncompressed tar stream.
func (l *Layer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Size returns the compressed blob's size in bytes.
func (l *Layer) Size() (int64, error) { return l.size, nil }

// UncompressedSize returns the tar stream's size in bytes.
func (l *Layer) UncompressedSize() int64 { return l.uncompressedSize }

// MediaType returns the OCI media type matching the layer's compression.
func (l *Layer) MediaType() (types.MediaType, error) { return l.compression.MediaType(), nil }

// Compressed opens the blob; the caller closes it.
func (l *Layer) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", l.digest, err)
	}
	return f, nil
}

// Uncompressed opens the blob and decompresses it; the caller closes it.
func (l *Layer) Uncompressed() (io.ReadCloser, error) {
	f, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	d, err := l.compression.newDecompressor(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("decompress layer %s: %w", l.digest, err)
	}
	return readCloser{Reader: d, close: func() error { d.Close(); return f.Close() }}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }
