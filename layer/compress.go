package layer

import (
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression names a layer compressor. The zero value is [Gzip].
type Compression string

// The supported compressions.
const (
	Gzip Compression = "gzip"
	Zstd Compression = "zstd"
	None Compression = "none"
)

// Pinned compressor settings. Every value that changes output bytes is fixed
// here, because a layer digest is a function of them: changing one changes
// every image lading builds. TestGoldenDigests fails when a dependency bump
// changes the bytes they produce.
const (
	// DefaultGzipLevel is gzip level 6, zlib's long-standing default and the
	// level docker and ggcr use, so sizes are what users expect.
	DefaultGzipLevel = 6
	// DefaultZstdLevel is zstd level 3, zstd's own default.
	DefaultZstdLevel = 3
	// zstdConcurrency is 1: one encoder goroutine. klauspost's encoder is
	// deterministic per settings, but pinning it removes GOMAXPROCS from the
	// list of things a digest could depend on.
	zstdConcurrency = 1
)

// ParseCompression returns the Compression named s ("" means gzip).
func ParseCompression(s string) (Compression, error) {
	switch Compression(s) {
	case "", Gzip:
		return Gzip, nil
	case Zstd, None:
		return Compression(s), nil
	}
	return "", fmt.Errorf("unknown compression %q (want gzip, zstd or none)", s)
}

// MediaType returns the OCI layer media type for c.
func (c Compression) MediaType() types.MediaType {
	switch c {
	case Zstd:
		return types.OCILayerZStd
	case None:
		return types.OCIUncompressedLayer
	}
	return types.OCILayer
}

// CheckLevel reports whether level is valid for c; 0 selects the default.
func (c Compression) CheckLevel(level int) error {
	switch {
	case level == 0:
		return nil
	case c == Gzip && (level < 1 || level > 9):
		return fmt.Errorf("gzip compression level %d out of range 1-9", level)
	case c == Zstd && (level < 1 || level > 22):
		return fmt.Errorf("zstd compression level %d out of range 1-22", level)
	case c == None:
		return fmt.Errorf("compression level %d given with compression none", level)
	}
	return nil
}

// Pin describes the compressor and its pinned settings, for `lading version`.
func Pin() string {
	return fmt.Sprintf("klauspost/compress gzip level %d, zstd level %d (encoder concurrency %d)",
		DefaultGzipLevel, DefaultZstdLevel, zstdConcurrency)
}

// newCompressor wraps w in c's compressor at level (0 = default).
func (c Compression) newCompressor(w io.Writer, level int) (io.WriteCloser, error) {
	if err := c.CheckLevel(level); err != nil {
		return nil, err
	}
	switch c {
	case Zstd:
		if level == 0 {
			level = DefaultZstdLevel
		}
		return zstd.NewWriter(w,
			zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
			zstd.WithEncoderConcurrency(zstdConcurrency))
	case None:
		return nopWriteCloser{w}, nil
	}
	if level == 0 {
		level = DefaultGzipLevel
	}
	// The gzip header carries no name and a zero mtime: nothing of the host.
	return gzip.NewWriterLevel(w, level)
}

// newDecompressor reads c-compressed data from r.
func (c Compression) newDecompressor(r io.Reader) (io.ReadCloser, error) {
	switch c {
	case Zstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case None:
		return io.NopCloser(r), nil
	}
	return gzip.NewReader(r)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
