package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPullStopsRedirectLoop: a manifest GET that redirects to itself
// (issue 13: 109,000 requests in 70 s) fails after a few hops.
func TestPullStopsRedirectLoop(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path == "/v2/" {
			return
		}
		http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, _ := testClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.Pull(ctx, strings.TrimPrefix(srv.URL, "http://")+"/lading/loop:v1")
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("pull of a redirect loop: %v, want a redirect error", err)
	}
	if n.Load() > 30 {
		t.Errorf("the registry saw %d requests, want a few hops", n.Load())
	}
}
