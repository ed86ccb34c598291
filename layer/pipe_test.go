package layer

import (
	"errors"
	"testing"
)

// TestBlockPipeStopsOnError checks that a failing consumer surfaces its
// error from Write and Close instead of deadlocking the writer side.
func TestBlockPipeStopsOnError(t *testing.T) {
	boom := errors.New("disk full")
	p := newBlockPipe(&failAfter{n: 3 * pipeBlockSize, err: boom})
	block := make([]byte, pipeBlockSize/3)
	var err error
	for i := 0; err == nil && i < 100; i++ {
		_, err = p.Write(block)
	}
	if !errors.Is(err, boom) {
		t.Errorf("Write error = %v, want %v", err, boom)
	}
	if err := p.Close(); !errors.Is(err, boom) {
		t.Errorf("Close error = %v, want %v", err, boom)
	}
}
