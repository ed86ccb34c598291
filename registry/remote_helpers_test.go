package registry

import (
	"bytes"
	"log/slog"
	mrand "math/rand"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testClient is a Client with tiny backoff (so faulty pushes take
// milliseconds) whose debug log goes to the returned buffer.
func testClient(t *testing.T, opts ...ClientOption) (*Client, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	all := append([]ClientOption{WithBackoff(time.Millisecond, 4*time.Millisecond), WithLogger(logger)}, opts...)
	c, err := NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, logs
}

// seededImage is a small random image, the same for the same seed.
func seededImage(t *testing.T, seed int64, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(256, layers, random.WithSource(mrand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// seededIndex is a small random index of count images.
func seededIndex(t *testing.T, seed int64, count int64) v1.ImageIndex {
	t.Helper()
	idx, err := random.Index(256, 2, count, random.WithSource(mrand.NewSource(seed)))
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func noError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
