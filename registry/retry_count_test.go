package registry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/registry/faultproxy"
)

// TestRetriesAreOneLevel: against a registry that always answers 503 to
// one kind of request, --retries 2 sends each such request exactly 3 times
// (issue 9: the transport's retries and the step's multiplied to 9). A HEAD
// that keeps failing only means the push uploads what it asked about.
func TestRetriesAreOneLevel(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		pull, fails        bool
	}{
		{"blob-head", http.MethodHead, "/blobs/sha256:", false, false},
		{"manifest-head", http.MethodHead, "/manifests/", false, false},
		{"manifest-put", http.MethodPut, "/manifests/", false, true},
		{"pull-get", http.MethodGet, "/manifests/", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := &requestCounts{n: map[string]int{}}
			inner := newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}})
			srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == tc.method && strings.Contains(r.URL.Path, tc.path) {
					counts.add(r.Method + " " + r.URL.Path)
					faultproxy.WriteError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "")
					return
				}
				inner.ServeHTTP(w, r)
			}))
			c, _ := testClient(t, WithRetries(2), WithPushJobs(1))
			ref := strings.TrimPrefix(srv.URL, "http://") + "/lading/retries:v1"
			var err error
			if tc.pull {
				_, err = c.Pull(context.Background(), ref)
			} else {
				_, err = c.Push(context.Background(), seededImage(t, 11, 1), []string{ref})
			}
			if tc.fails && (err == nil || !strings.Contains(err.Error(), "UNAVAILABLE")) {
				t.Errorf("error %v, want the 503", err)
			}
			if !tc.fails && err != nil {
				t.Errorf("error %v, want the push to upload instead", err)
			}
			counts.check(t, 3)
		})
	}
}

// requestCounts counts requests by method and path.
type requestCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *requestCounts) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[key]++
}

// check fails unless some request was sent and each exactly want times.
func (c *requestCounts) check(t *testing.T, want int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.n) == 0 {
		t.Fatal("the failing request was never sent")
	}
	for k, n := range c.n {
		if n != want {
			t.Errorf("%s sent %d times, want %d", k, n, want)
		}
	}
}

// TestResumedBodyCountsAttempts: a GET whose body breaks is resumed within
// the same N+1 attempts, not N resumes of N+1 attempts each.
func TestResumedBodyCountsAttempts(t *testing.T) {
	counts := &requestCounts{n: map[string]int{}}
	var later atomic.Bool
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counts.add(r.Method + " " + r.URL.Path)
		if !later.Swap(true) {
			faultproxy.Hijack(w, []byte("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789"), true)
			return
		}
		faultproxy.WriteError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "")
	}))
	c, _ := testClient(t, WithRetries(2))
	resp, err := c.base.RoundTrip(httptest.NewRequest(http.MethodGet, srv.URL+"/v2/x/blobs/sha256:00", nil))
	noError(t, err)
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("read a broken body whole")
	}
	counts.check(t, 3)
}
