package layer

import (
	"errors"
	"fmt"
	"io"
	"os"
)

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

// syncClose flushes f to stable storage and closes it.
func syncClose(f *os.File) error {
	return errors.Join(f.Sync(), f.Close())
}
