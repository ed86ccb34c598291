package registry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/registry/faultproxy"
)

// TestRetryAfterHonoured: a 429 with Retry-After: 1 is retried after a
// second, not after the (tiny) backoff.
func TestRetryAfterHonoured(t *testing.T) {
	var calls atomic.Int32
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			faultproxy.WriteError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "1")
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	c, _ := testClient(t, WithBackoff(time.Millisecond, 5*time.Second))
	start := time.Now()
	resp, err := c.base.RoundTrip(httptest.NewRequest(http.MethodGet, srv.URL+"/v2/", nil))
	noError(t, err)
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusOK || calls.Load() != 2 || took < time.Second {
		t.Fatalf("status %d after %d calls in %v; want 200 after 2 calls and at least 1s", resp.StatusCode, calls.Load(), took)
	}
}

// TestRetriesBounded: a registry that always answers 503 gets the first
// request and exactly --retries more.
func TestRetriesBounded(t *testing.T) {
	var calls atomic.Int32
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		faultproxy.WriteError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "")
	}))
	c, _ := testClient(t, WithRetries(2))
	resp, err := c.base.RoundTrip(httptest.NewRequest(http.MethodHead, srv.URL+"/v2/x/blobs/sha256:00", nil))
	noError(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || calls.Load() != 3 {
		t.Fatalf("status %d after %d calls, want 503 after 3", resp.StatusCode, calls.Load())
	}
}

// TestReplayable: only requests that are safe to send twice are retried in
// place; a request inside an upload session never is.
func TestReplayable(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		body         bool
		want         bool
	}{
		{http.MethodGet, "/v2/r/manifests/v1", false, true},
		{http.MethodHead, "/v2/r/blobs/sha256:00", false, true},
		{http.MethodPut, "/v2/r/manifests/v1", true, true},
		{http.MethodPost, "/v2/r/blobs/uploads/", false, true},
		{http.MethodPatch, "/v2/r/blobs/uploads/123", true, false},
		{http.MethodPut, "/v2/r/blobs/uploads/123", true, false},
		{http.MethodPut, "/v2/r/blobs/uploads/123", false, false},
		{http.MethodPost, "/token", true, false},
		{http.MethodDelete, "/v2/r/manifests/v1", false, false},
	} {
		req := httptest.NewRequest(tc.method, "https://r.example"+tc.path, nil)
		if tc.body {
			req, _ = http.NewRequest(tc.method, "https://r.example"+tc.path, strings.NewReader("x"))
		}
		if got := replayable(req); got != tc.want {
			t.Errorf("%s %s: replayable %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, "https://r.example/v2/r/manifests/v1", strings.NewReader("x"))
	req.GetBody = nil
	if replayable(req) {
		t.Error("a body that cannot be rewound was deemed replayable")
	}
}

// TestPermanentErrorsFailAtOnce: a registry's refusal is not retried, and
// the error carries the registry's code and a hint naming the fix.
func TestPermanentErrorsFailAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		status             int
		code, hint         string
	}{
		{"denied", http.MethodPost, "/blobs/uploads/", 403, "DENIED", "denied: check push permission for "},
		{"unauthorized", http.MethodPut, "/manifests/", 401, "UNAUTHORIZED", "unauthorized: check the credentials for "},
		{"name-unknown", http.MethodPost, "/blobs/uploads/", 404, "NAME_UNKNOWN", "name unknown: repository "},
		{"digest-invalid", http.MethodPut, "/blobs/uploads/", 400, "DIGEST_INVALID", "digest invalid: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var refused atomic.Int32
			inner := newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}})
			srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == tc.method && strings.Contains(r.URL.Path, tc.path) {
					refused.Add(1)
					faultproxy.WriteError(w, tc.status, tc.code, "")
					return
				}
				inner.ServeHTTP(w, r)
			}))
			c, _ := testClient(t, WithPushJobs(1)) // one blob at a time: the first refusal ends the push
			host := strings.TrimPrefix(srv.URL, "http://")
			_, err := c.Push(context.Background(), seededImage(t, 9, 1), []string{host + "/lading/denied:v1"})
			if err == nil || !strings.Contains(err.Error(), tc.hint) || !strings.Contains(err.Error(), tc.code) {
				t.Fatalf("error %v; want the hint %q and the code %s", err, tc.hint, tc.code)
			}
			if n := refused.Load(); n != 1 {
				t.Errorf("the refused request was sent %d times, want once", n)
			}
		})
	}
}

// TestPushTimeout: a registry that never answers a blob upload is given up
// on after the push timeout, with an error that says so.
func TestPushTimeout(t *testing.T) {
	inner := newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}})
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			io.Copy(io.Discard, r.Body) // a server notices a gone client only once the body is read
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		inner.ServeHTTP(w, r)
	}))
	c, _ := testClient(t, WithPushTimeout(300*time.Millisecond))
	host := strings.TrimPrefix(srv.URL, "http://")
	_, err := c.Push(context.Background(), seededImage(t, 10, 1), []string{host + "/lading/slow:v1"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Fatalf("error %v; want a push timeout", err)
	}
}
