package layer

import (
	"io"
	"sync"
)

// compressBlockSize is the uncompressed size of every block but the last one
// in a [parallelWriter]'s stream. It is part of the output format: blocks
// are cut at multiples of it whatever the number of workers, so changing it
// changes every layer's digest (bump [LayerFormatVersion]). 1 MiB amortises
// each block's framing (a few bytes) and dictionary priming to nothing,
// keeps the blocks in flight small (2 per worker), and still gives a layer
// of a few MiB enough blocks to keep two cores busy.
const compressBlockSize = 1 << 20

// blockFormat is one compressed format cut into blocks that compress
// independently of each other given their dictionary: the bytes of a block
// are a function of its input, its dictionary and whether it is the last
// one, never of which worker ran it or what that worker did before. That is
// what makes the stream's bytes independent of the number of workers.
type blockFormat interface {
	header() []byte
	// dictSize is how many bytes of the previous block prime the next one.
	dictSize() int
	// newEncoder returns one worker's encoder; encoders are not shared.
	newEncoder() (blockEncoder, error)
	// sum sees every block's input, in order, before trailer is called.
	sum(in []byte)
	trailer() []byte
}

// blockEncoder compresses one block, appending it to dst.
type blockEncoder interface {
	encode(dst []byte, b *block) ([]byte, error)
}

// block is one unit of work: its input and dictionary, filled by Write;
// its output and error, filled by a worker. seq counts blocks from 0.
type block struct {
	seq   int
	in    []byte
	dict  []byte
	last  bool
	out   []byte
	err   error
	ready chan struct{} // capacity 1: the worker signals the emitter once
}

// parallelWriter compresses the bytes written to it in fixed blocks on
// several workers and writes the blocks to dst in input order, framed by
// the format's header and trailer. It holds 2 blocks per worker at most
// (one compressing, one waiting or being written), so its memory does not
// grow with the stream. Write and Close belong to one goroutine; Close
// does not close dst.
type parallelWriter struct {
	f      blockFormat
	dst    io.Writer
	free   chan *block    // blocks ready to fill; holds every block there is
	work   chan *block    // filled blocks, to the workers
	order  chan *block    // filled blocks in input order, to the emitter
	failed chan struct{}  // closed by the emitter on its first error
	done   chan struct{}  // closed when the emitter has returned
	err    error          // the emitter's first error; read after failed
	cur    *block         // the block Write is filling
	tail   []byte         // the last dictSize bytes of the previous block
	seq    int            // the next block's number
	wg     sync.WaitGroup // the workers
}

var _ io.WriteCloser = (*parallelWriter)(nil)

// newParallelWriter starts jobs workers compressing f's blocks to dst.
func newParallelWriter(dst io.Writer, f blockFormat, jobs int) *parallelWriter {
	w := &parallelWriter{
		f: f, dst: dst,
		free:   make(chan *block, 2*jobs),
		work:   make(chan *block, 2*jobs),
		order:  make(chan *block, 2*jobs),
		failed: make(chan struct{}),
		done:   make(chan struct{}),
	}
	for range 2 * jobs { // buffers are allocated on first use
		w.free <- &block{ready: make(chan struct{}, 1)}
	}
	w.wg.Add(jobs)
	for range jobs {
		go w.compress()
	}
	go w.emit()
	return w
}

// Write copies p into blocks, handing each one to the workers as it fills.
func (w *parallelWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.cur == nil {
			if err := w.acquire(); err != nil {
				return n, err
			}
		}
		b := w.cur
		m := copy(b.in[len(b.in):compressBlockSize], p)
		b.in, p, n = b.in[:len(b.in)+m], p[m:], n+m
		if len(b.in) == compressBlockSize {
			w.submit(false)
		}
	}
	return n, nil
}

// acquire makes a free block the current one, waiting for the emitter to
// free one if all are in flight.
func (w *parallelWriter) acquire() error {
	var b *block
	select {
	case <-w.failed:
		return w.err
	case b = <-w.free:
	}
	if b.in == nil {
		b.in = make([]byte, 0, compressBlockSize)
	}
	b.seq, b.in, b.last, b.err = w.seq, b.in[:0], false, nil
	b.dict = append(b.dict[:0], w.tail...)
	w.cur = b
	return nil
}

// submit hands the current block to the workers and the emitter. Neither
// send blocks: each channel has room for every block there is.
func (w *parallelWriter) submit(last bool) {
	b := w.cur
	b.last = last
	if d := w.f.dictSize(); !last && d > 0 {
		w.tail = append(w.tail[:0], b.in[len(b.in)-d:]...)
	}
	w.seq++
	w.cur = nil
	w.order <- b
	w.work <- b
}

// Close compresses the last block (possibly empty: the format decides what
// an empty last block is), waits for the workers and the emitter, and
// returns the first error. It does not close dst.
func (w *parallelWriter) Close() error {
	if w.cur != nil || w.acquire() == nil {
		w.submit(true)
	}
	close(w.work)
	close(w.order)
	<-w.done
	w.wg.Wait()
	return w.err
}

// compress is one worker: it encodes blocks until Close, with an encoder
// of its own made on first use (a small layer uses few of them).
func (w *parallelWriter) compress() {
	defer w.wg.Done()
	var enc blockEncoder
	var err error
	for b := range w.work {
		if enc == nil && err == nil {
			enc, err = w.f.newEncoder()
		}
		if b.err = err; err == nil {
			b.out, b.err = enc.encode(b.out[:0], b)
		}
		b.ready <- struct{}{}
	}
}

// emit writes the header, each block in input order as soon as it is
// compressed, and the trailer. After an error it keeps taking blocks and
// freeing them, so that Write and Close never wait forever.
func (w *parallelWriter) emit() {
	defer close(w.done)
	w.write(w.f.header())
	for b := range w.order {
		<-b.ready
		if b.err != nil {
			w.fail(b.err)
		}
		if w.err == nil {
			w.f.sum(b.in)
			w.write(b.out)
		}
		w.free <- b
	}
	w.write(w.f.trailer())
}

// write writes p to dst unless an error came first.
func (w *parallelWriter) write(p []byte) {
	if w.err != nil || len(p) == 0 {
		return
	}
	if _, err := w.dst.Write(p); err != nil {
		w.fail(err)
	}
}

// fail records the emitter's first error and tells Write about it.
func (w *parallelWriter) fail(err error) {
	if w.err == nil {
		w.err = err
		close(w.failed)
	}
}
