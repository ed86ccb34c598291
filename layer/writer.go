package layer

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Writer writes planned entry lists as compressed layer files into one
// directory. It is safe for concurrent use: each Write has its own temp file.
type Writer struct {
	dir string
	o   options
}

type options struct {
	epoch       time.Time
	compression Compression
	level       int
}

// Option configures a [Writer].
type Option func(*options) error

// WithEpoch sets the time written into every header (default: Unix 0).
func WithEpoch(t time.Time) Option {
	return func(o *options) error { o.epoch = t; return nil }
}

// WithCompression sets the compressor and its level (0 = the pinned default).
func WithCompression(c Compression, level int) Option {
	return func(o *options) error {
		if _, err := ParseCompression(string(c)); err != nil {
			return err
		}
		if c == "" {
			c = Gzip
		}
		o.compression, o.level = c, level
		return c.CheckLevel(level)
	}
}

// NewWriter returns a Writer that stores layers in dir, which must exist.
// Defaults: gzip at level 6, epoch Unix 0.
func NewWriter(dir string, opts ...Option) (*Writer, error) {
	o := options{epoch: time.Unix(0, 0), compression: Gzip}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &Writer{dir: dir, o: o}, nil
}

// Write packs entries, which must come from [Plan], into one layer file and
// returns it. Memory use does not depend on the layer's size: bytes stream
// from each source file through the hashes and compressor to disk, and each
// source is closed before the next opens. On error or cancellation no file
// is left behind.
func (w *Writer) Write(ctx context.Context, entries []Entry) (l *Layer, err error) {
	tmp, err := os.CreateTemp(w.dir, ".layer-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create layer file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	l, err = w.stream(ctx, tmp, entries)
	if err != nil {
		return nil, err
	}
	if err := syncClose(tmp); err != nil {
		return nil, fmt.Errorf("write layer file: %w", err)
	}
	l.path = filepath.Join(w.dir, l.digest.Hex+blobSuffix)
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return nil, fmt.Errorf("rename layer file: %w", err)
	}
	return l, nil
}

// blobSuffix marks finished layer files in a Writer's directory.
const blobSuffix = ".layer"

// stream runs the single pass: tar → diffID hash → compressor → digest hash
// and byte count → file.
func (w *Writer) stream(ctx context.Context, f *os.File, entries []Entry) (*Layer, error) {
	buf := bufio.NewWriterSize(f, 1<<20)
	compressed := &countingHash{h: sha256.New()}
	comp, err := w.o.compression.newCompressor(io.MultiWriter(buf, compressed), w.o.level)
	if err != nil {
		return nil, err
	}
	raw := &countingHash{h: sha256.New()}
	tw := tar.NewWriter(io.MultiWriter(raw, comp))
	copyBuf := make([]byte, 256<<10)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := w.writeEntry(ctx, tw, e, copyBuf); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("finish tar stream: %w", err)
	}
	if err := comp.Close(); err != nil {
		return nil, fmt.Errorf("finish %s stream: %w", w.o.compression, err)
	}
	if err := buf.Flush(); err != nil {
		return nil, fmt.Errorf("write layer file: %w", err)
	}
	return &Layer{
		digest:           compressed.sum(),
		diffID:           raw.sum(),
		size:             compressed.n,
		uncompressedSize: raw.n,
		compression:      w.o.compression,
	}, nil
}

// writeEntry writes one header and, for files, its content.
func (w *Writer) writeEntry(ctx context.Context, tw *tar.Writer, e Entry, buf []byte) error {
	if err := tw.WriteHeader(Header(e, w.o.epoch)); err != nil {
		return fmt.Errorf("write tar header for %s: %w", e.origin(), err)
	}
	switch {
	case e.Kind != File:
		return nil
	case e.Source == "":
		_, err := tw.Write(e.Data)
		return err
	}
	return copyFile(ctx, tw, e, buf)
}

// copyFile streams exactly e.Size bytes of e.Source into w. A file that grew
// or shrank since it was listed is an error rather than a corrupt layer.
func copyFile(ctx context.Context, w io.Writer, e Entry, buf []byte) error {
	f, err := os.OpenFile(e.Source, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", e.Source, unwrapPathError(err))
	}
	defer f.Close()
	n, err := io.CopyBuffer(w, ctxReader{ctx, io.LimitReader(f, e.Size)}, buf)
	if err != nil {
		return fmt.Errorf("copy %s: %w", e.Source, unwrapPathError(err))
	}
	if n != e.Size {
		return fmt.Errorf("copy %s: file shrank from %d to %d bytes while being packed", e.Source, e.Size, n)
	}
	if m, _ := f.Read(buf[:1]); m != 0 {
		return fmt.Errorf("copy %s: file grew past %d bytes while being packed", e.Source, e.Size)
	}
	return nil
}

// ctxReader stops a copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// countingHash hashes and counts the bytes written to it.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (c *countingHash) sum() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(c.h.Sum(nil))}
}

// syncClose flushes f to stable storage and closes it.
func syncClose(f *os.File) error {
	return errors.Join(f.Sync(), f.Close())
}
