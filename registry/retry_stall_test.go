package registry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// trickle answers a blob GET with its headers and one byte, then one more
// byte every 2 s: a body that never stops and never finishes.
func trickle(calls *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		for {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	})
}

// TestStalledBodyFails: a blob body that trickles fails after the stall
// timeout, once per attempt, with an error naming the host and the blob
// (issue 13, case 13); before, the read waited forever.
func TestStalledBodyFails(t *testing.T) {
	var calls atomic.Int32
	srv := startServer(t, trickle(&calls))
	c, _ := testClient(t, WithStallTimeout(200*time.Millisecond), WithRetries(1))
	blob := "sha256:" + strings.Repeat("ab", 32)
	resp, err := c.base.RoundTrip(httptest.NewRequest(http.MethodGet, srv.URL+"/v2/r/blobs/"+blob, nil))
	noError(t, err)
	defer resp.Body.Close()
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); done <- err }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the read of a trickling body still waits after 10 s; want it to fail after the 200ms stall timeout")
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if err == nil || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), blob) || !strings.Contains(err.Error(), "no progress") {
		t.Fatalf("read error %v; want one naming %s, %s and the stall", err, host, blob)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("the registry saw %d GETs; want 2 (the first and one resume, --retries 1)", n)
	}
}
