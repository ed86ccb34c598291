package registry

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// blobProgress is how much of one blob the current upload has sent.
type blobProgress struct {
	digest   v1.Hash
	size     int64
	sent     atomic.Int64
	finished atomic.Bool
}

// trackedLayer is a layer whose upload reports its progress to a tally,
// and whose read errors are ours (permanent), not the network's.
type trackedLayer struct {
	v1.Layer
	p *blobProgress
}

var _ v1.Layer = (*trackedLayer)(nil)

// track wraps l, whose digest is d, to report its progress.
func (t *tally) track(l v1.Layer, d v1.Hash) v1.Layer {
	size, err := l.Size()
	if err != nil {
		size = -1
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.blobs[d]
	if p == nil {
		p = &blobProgress{digest: d, size: size}
		t.blobs[d] = p
	}
	return &trackedLayer{Layer: l, p: p}
}

// Compressed implements v1.Layer; ggcr calls it once per upload attempt.
func (l *trackedLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, &sourceError{fmt.Errorf("read blob %s: %w", l.p.digest, err)}
	}
	l.p.sent.Store(0)
	return &countingReader{rc: rc, n: &l.p.sent}, nil
}

// countingReader adds what passes through it to n.
type countingReader struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

var _ io.ReadCloser = (*countingReader)(nil)

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.rc.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Close() error { return c.rc.Close() }

// report logs, every interval until stop, a bar for each blob that is
// part-way through its upload, in digest order.
func (t *tally) report(every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-tick.C:
		}
		t.mu.Lock()
		var active []*blobProgress
		for _, p := range t.blobs {
			if s := p.sent.Load(); s > 0 && !p.finished.Load() && p.size > 0 {
				active = append(active, p)
			}
		}
		t.mu.Unlock()
		slices.SortFunc(active, func(a, b *blobProgress) int { return strings.Compare(a.digest.Hex, b.digest.Hex) })
		for _, p := range active {
			t.logger.Info("uploading", "digest", p.digest.String(), "progress", bar(p.sent.Load(), p.size))
		}
	}
}

// bar draws sent of size as "[=====     ] 50% 1.2/2.4 MiB".
func bar(sent, size int64) string {
	const width = 20
	sent = min(sent, size)
	fill := int(sent * width / size)
	return fmt.Sprintf("[%s%s] %3d%% %.1f/%.1f MiB", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		sent*100/size, float64(sent)/(1<<20), float64(size)/(1<<20))
}
