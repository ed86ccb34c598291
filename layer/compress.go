package layer

import (
	"cmp"
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

// LayerFormatVersion numbers the bytes lading writes for a given layer.
// Bump it when any byte of a layer lading writes would change for the same
// entries, epoch, compression and level: tar headers, compressor, level,
// block size, framing or a dependency that changes them. Caches keyed on a
// layer's inputs include it, so they miss instead of serving old bytes.
// Version 2: gzip and zstd are compressed in independent 1 MiB blocks on
// several workers (issue 10); version 1 was one single-threaded stream.
const LayerFormatVersion = 2

// Pinned compressor settings. Every value that changes output bytes is fixed
// here, because a layer digest is a function of them: changing one changes
// every image lading builds. TestGoldenDigests fails when a dependency bump
// changes the bytes they produce. The number of workers is deliberately not
// among them: blocks are cut every compressBlockSize bytes of input and each
// block's bytes depend only on its input and the fixed dictionary before it
// (gzipblock.go, zstdblock.go), so 1 worker and 64 write the same layer,
// which TestCompressionJobsSameBytes checks.
const (
	// DefaultGzipLevel is gzip level 6, zlib's long-standing default and the
	// level docker and ggcr use, so sizes are what users expect.
	DefaultGzipLevel = 6
	// DefaultZstdLevel is zstd level 3, zstd's own default.
	DefaultZstdLevel = 3
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

// CompressorSettings describes the compressor and its pinned settings, for `lading version`.
func CompressorSettings() string {
	return fmt.Sprintf("klauspost/compress gzip level %d, zstd level %d; layer format %d: "+
		"independent %d MiB blocks (gzip: 32 KiB dictionary carried over), "+
		"output does not depend on the number of workers",
		DefaultGzipLevel, DefaultZstdLevel, LayerFormatVersion, compressBlockSize>>20)
}

// newCompressor wraps w in c's compressor at level (0 = default), run on
// jobs workers (at least 1). Close does not close w.
func (c Compression) newCompressor(w io.Writer, level, jobs int) (io.WriteCloser, error) {
	if err := c.CheckLevel(level); err != nil {
		return nil, err
	}
	switch c {
	case Zstd:
		return newParallelWriter(w, &zstdBlocks{level: cmp.Or(level, DefaultZstdLevel)}, jobs), nil
	case None:
		return nopWriteCloser{w}, nil
	}
	return newParallelWriter(w, &gzipBlocks{level: cmp.Or(level, DefaultGzipLevel)}, jobs), nil
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
