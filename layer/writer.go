package layer

import (
	"archive/tar"
	"bufio"
	"cmp"
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
// source is closed before the next opens. Each Write runs the pass as three
// goroutines joined by bounded pipes (see stream), about 10 MiB of buffers in
// all. On error or cancellation no file is left behind.
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
// and byte count → file, as three goroutines joined by [blockPipe]s: the
// caller's reads the sources, frames the tar and hashes it; one compresses;
// one hashes, counts and writes the result. On two cores the compressor, the
// slowest stage, then has a core to itself (issue 3's throughput target; see
// docs/performance.md). Each stage sees the same bytes in the same order as
// a sequential pass, so the digests do not depend on the pipes.
func (w *Writer) stream(ctx context.Context, f *os.File, entries []Entry) (_ *Layer, err error) {
	sf := newSyncingFile(f)
	defer func() { err = cmp.Or(err, sf.stop()) }()
	buf := bufio.NewWriterSize(sf, 1<<20)
	compressed := &countingHash{h: sha256.New()}
	sink := newBlockPipe(io.MultiWriter(buf, compressed))
	comp, err := w.o.compression.newCompressor(sink, w.o.level)
	if err != nil {
		sink.Close()
		return nil, err
	}
	pipe := newBlockPipe(comp)
	raw := &countingHash{h: sha256.New()}
	tarErr := w.writeTar(ctx, tar.NewWriter(io.MultiWriter(raw, pipe)), entries)
	if err := cmp.Or(tarErr, w.closeStages(pipe, comp, sink, buf)); err != nil {
		return nil, err
	}
	return &Layer{
		digest:           compressed.sum(),
		diffID:           raw.sum(),
		size:             compressed.n,
		uncompressedSize: raw.n,
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

// syncEvery is how many bytes a syncingFile writes between background
// fsyncs: large enough that the syncs cost little, small enough that the
// final fsync has little left to flush.
const syncEvery = 16 << 20

// syncingFile writes to a layer file and, every syncEvery bytes, has a
// background goroutine fsync what is written so far. The disk then stores
// the layer while it is still being compressed, and the fsync before the
// rename has only the tail left; without this that last fsync was a third
// of a gzip layer's time (docs/performance.md). An error from a background
// fsync is kept and returned by stop, since a later fsync may not report it
// again. The caller calls stop exactly once, before closing the file.
type syncingFile struct {
	f       *os.File
	pending int64
	kick    chan struct{} // capacity 1: one sync waiting is enough
	done    chan struct{} // closed when the sync goroutine has returned
	err     error         // the first background fsync error; read after done
}

func newSyncingFile(f *os.File) *syncingFile {
	s := &syncingFile{f: f, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go s.syncLoop()
	return s
}

func (s *syncingFile) syncLoop() {
	defer close(s.done)
	for range s.kick {
		if err := s.f.Sync(); err != nil && s.err == nil {
			s.err = err
		}
	}
}

func (s *syncingFile) Write(b []byte) (int, error) {
	n, err := s.f.Write(b)
	if s.pending += int64(n); s.pending >= syncEvery {
		s.pending = 0
		select {
		case s.kick <- struct{}{}:
		default: // a sync is already waiting; it will cover these bytes
		}
	}
	return n, err
}

// stop waits for any running fsync and returns the first one's error.
func (s *syncingFile) stop() error {
	close(s.kick)
	<-s.done
	if s.err != nil {
		return fmt.Errorf("sync layer file: %w", s.err)
	}
	return nil
}

// Pipe geometry: a blockPipe owns pipeBlocks blocks of pipeBlockSize bytes,
// so its memory (4 MiB; a Write uses two pipes) is fixed whatever the layer's
// size. Blocks of 1 MiB keep channel hand-offs rare (a few hundred a second)
// next to compression's cost; four let each side run ahead while the other
// is busy with a slow file or a slow block.
const (
	pipeBlocks    = 4
	pipeBlockSize = 1 << 20
)

// blockPipe is an io.WriteCloser that copies writes into fixed blocks and
// hands each full block to a goroutine writing to dst, so the caller and dst
// work at the same time. Memory is bounded by the block ring; bytes reach dst
// unchanged and in order. Write and Close belong to one goroutine.
type blockPipe struct {
	full chan []byte   // filled blocks, to the consumer; closed by Close
	free chan []byte   // emptied blocks, back to Write
	done chan struct{} // closed when the consumer has stopped
	err  error         // the consumer's error; read only after done
	cur  []byte        // the block Write is filling
}

var _ io.WriteCloser = (*blockPipe)(nil)

func newBlockPipe(dst io.Writer) *blockPipe {
	p := &blockPipe{
		full: make(chan []byte, pipeBlocks),
		free: make(chan []byte, pipeBlocks),
		done: make(chan struct{}),
	}
	for range pipeBlocks - 1 {
		p.free <- make([]byte, 0, pipeBlockSize)
	}
	p.cur = make([]byte, 0, pipeBlockSize)
	go p.consume(dst)
	return p
}

// consume writes blocks to dst until the pipe is closed or dst fails; after
// a failure it stops, and Write and Close report the error.
func (p *blockPipe) consume(dst io.Writer) {
	defer close(p.done)
	for b := range p.full {
		if _, err := dst.Write(b); err != nil {
			p.err = err
			return
		}
		p.free <- b[:0]
	}
}

// Write copies b into blocks, handing each one on as it fills.
func (p *blockPipe) Write(b []byte) (int, error) {
	if p.cur == nil { // the consumer has failed
		return 0, p.err
	}
	n := 0
	for len(b) > 0 {
		m := copy(p.cur[len(p.cur):cap(p.cur)], b)
		p.cur, b, n = p.cur[:len(p.cur)+m], b[m:], n+m
		if len(p.cur) == cap(p.cur) {
			if err := p.handOff(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// handOff sends the current block and waits for an empty one.
func (p *blockPipe) handOff() error {
	p.full <- p.cur // never blocks: full holds every block there is
	select {
	case p.cur = <-p.free:
		return nil
	case <-p.done:
		p.cur = nil
		return p.err
	}
}

// Close sends the last partial block, waits for the consumer to finish and
// returns its error. It does not close dst.
func (p *blockPipe) Close() error {
	if len(p.cur) > 0 { // nil after a failure
		p.full <- p.cur
	}
	close(p.full)
	<-p.done
	return p.err
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
