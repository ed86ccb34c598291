package layer

import (
	"archive/tar"
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
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
	jobs        int
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

// WithCompressionJobs sets how many goroutines compress each layer (0 or
// negative: GOMAXPROCS, the default). It changes speed and memory but never
// the layer's bytes (see [LayerFormatVersion]). Each job holds 2 blocks of
// 1 MiB in and up to about 1 MiB out plus its encoder: about 5 MiB of heap
// for gzip and 7 for zstd (measured); a 2 GiB gzip `lading build` peaked at
// 47 MiB RSS with 2 jobs and 97 MiB with 8. Writes running at the same time
// each have their own jobs: callers that run several may lower n.
func WithCompressionJobs(n int) Option {
	return func(o *options) error { o.jobs = n; return nil }
}

// NewWriter returns a Writer that stores layers in dir, which must exist.
// Defaults: gzip at level 6 on GOMAXPROCS jobs, epoch Unix 0.
func NewWriter(dir string, opts ...Option) (*Writer, error) {
	o := options{epoch: time.Unix(0, 0), compression: Gzip}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.jobs <= 0 {
		o.jobs = runtime.GOMAXPROCS(0)
	}
	return &Writer{dir: dir, o: o}, nil
}

// Write packs entries, which must come from [Plan], into one layer file and
// returns it. Memory use does not depend on the layer's size: bytes stream
// from each source file through the hashes and compressor to disk, and each
// source is closed before the next opens. Each Write runs the pass as three
// goroutines joined by bounded pipes (see stream), about 10 MiB of buffers,
// plus the compressor's jobs, 5 to 7 MiB each (WithCompressionJobs). On error or cancellation
// no file is left behind.
func (w *Writer) Write(ctx context.Context, entries []Entry) (*Layer, error) {
	return w.layerFile(func(f *os.File) (*Layer, error) {
		l, err := w.stream(ctx, f, entries)
		if err != nil {
			return nil, err
		}
		if err := syncClose(f); err != nil {
			return nil, fmt.Errorf("write layer file: %w", err)
		}
		return l, nil
	})
}

// layerFile makes one finished layer file in w's directory, the one way
// Write, Import and Recompress all do: fill writes a temp file, syncs and
// closes it, and returns the layer it measured; the file is then renamed
// to its digest's name. On error nothing is left behind.
func (w *Writer) layerFile(fill func(*os.File) (*Layer, error)) (l *Layer, err error) {
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
	if l, err = fill(tmp); err != nil {
		return nil, err
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
// and byte count → file, as three goroutines joined by [blockPipe]s: the
// caller's reads the sources, frames the tar and hashes it; one feeds the
// compressor, whose jobs workers compress blocks on every core (issue 10;
// parallel.go); one hashes, counts and writes the result. Each stage sees
// the same bytes in the same order as a sequential pass, and the compressor's
// output does not depend on its worker count, so the digests depend on
// neither the pipes nor the number of cores.
func (w *Writer) stream(ctx context.Context, f *os.File, entries []Entry) (_ *Layer, err error) {
	sf := newSyncingFile(f)
	defer func() { err = cmp.Or(err, sf.stop()) }()
	buf := bufio.NewWriterSize(sf, 1<<20)
	compressed := NewDigester()
	sink := newBlockPipe(io.MultiWriter(buf, compressed))
	comp, err := w.o.compression.newCompressor(sink, w.o.level, w.o.jobs)
	if err != nil {
		sink.Close()
		return nil, err
	}
	pipe := newBlockPipe(comp)
	raw := NewDigester()
	tarErr := w.writeTar(ctx, tar.NewWriter(io.MultiWriter(raw, pipe)), entries)
	if err := cmp.Or(tarErr, w.closeStages(pipe, comp, sink, buf)); err != nil {
		return nil, err
	}
	return &Layer{
		digest:           compressed.Digest(),
		diffID:           raw.Digest(),
		size:             compressed.Size(),
		uncompressedSize: raw.Size(),
		compression:      w.o.compression,
	}, nil
}

// closeStages closes the pipeline front to back, every stage even after an
// error so that no goroutine outlives the Write, and returns the first error.
func (w *Writer) closeStages(pipe *blockPipe, comp io.Closer, sink *blockPipe, buf *bufio.Writer) error {
	return cmp.Or( // arguments run left to right: that is the closing order
		wrap("compress layer", pipe.Close()),
		wrap("finish "+string(w.o.compression)+" stream", comp.Close()),
		wrap("write layer file", sink.Close()),
		wrap("write layer file", buf.Flush()),
	)
}

// wrap prefixes a non-nil err with what was being done.
func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// writeTar writes every entry and the end-of-archive trailer to tw.
func (w *Writer) writeTar(ctx context.Context, tw *tar.Writer, entries []Entry) error {
	copyBuf := make([]byte, 256<<10)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.writeEntry(ctx, tw, e, copyBuf); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("finish tar stream: %w", err)
	}
	return nil
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
