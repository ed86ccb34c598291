package registry

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// busy counts requests being handled, so that a test can wait until none
// is. Unlike a sync.WaitGroup, whose Add from zero must not race its Wait,
// it may be entered while another goroutine waits (issue 9: the fault
// harness's inflight.Add raced quiesce's Wait).
type busy struct {
	mu   sync.Mutex
	n    int
	idle *sync.Cond
}

// enter notes a request begun.
func (b *busy) enter() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
}

// leave notes a request finished, waking waiters when none is left.
func (b *busy) leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n--
	if b.n == 0 && b.idle != nil {
		b.idle.Broadcast()
	}
}

// wait returns once no request is being handled.
func (b *busy) wait() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.idle == nil {
		b.idle = sync.NewCond(&b.mu)
	}
	for b.n > 0 {
		b.idle.Wait()
	}
}

// TestQuiesceWhileRequestsArrive waits for the faulty registry to go idle
// while requests keep arriving, as the cancel test does; under -race this
// caught the WaitGroup misuse.
func TestQuiesceWhileRequestsArrive(t *testing.T) {
	reg := newFaultyRegistry(t, 0, 1)
	reg.setHook(func(int, *http.Request) { time.Sleep(100 * time.Microsecond) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			if resp, err := http.Get(reg.srv.URL + "/v2/"); err == nil {
				resp.Body.Close()
			}
		}
	}()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		default:
			reg.quiesce()
		}
	}
	reg.quiesce()
	if n := reg.requests(); n != 200 {
		t.Fatalf("%d requests recorded, want 200", n)
	}
}
