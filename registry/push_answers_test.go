package registry

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/registry/faultproxy"
)

// TestPushDistrustsMountAnswer: a mount answered 201 naming another digest,
// without the registry acting, does not count as mounted: the blob is
// uploaded, and both repositories hold every blob.
func TestPushDistrustsMountAnswer(t *testing.T) {
	blobs := &repoBlobs{m: map[string]map[v1.Hash][]byte{}}
	inner := newInproc(blobs)
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Query().Get("mount") != "" {
			w.Header().Set("Location", r.URL.Path)
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("0", 64))
			w.WriteHeader(http.StatusCreated)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	c, _ := testClient(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	img := seededImage(t, 16, 2)
	res, err := c.Push(context.Background(), img, []string{host + "/lading/a:v1", host + "/lading/b:v1"})
	noError(t, err)
	for d := range blobSizes(t, img) {
		h, _ := v1.NewHash(d)
		if _, ok := blobs.get("lading/b", h); !ok {
			t.Errorf("lading/b lacks %s", d)
		}
	}
	if res.Blobs.Mounted != 0 || res.Blobs.Uploaded != 6 {
		t.Errorf("counts %+v, want 6 uploaded, none mounted", res.Blobs)
	}
}

// TestPushRetriesCutRefusal: an error answer to a manifest PUT cut mid-body
// by a reset is a failed attempt, retried, not an "unexpected EOF" that
// ends the push.
func TestPushRetriesCutRefusal(t *testing.T) {
	var cut atomic.Bool
	inner := newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}})
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && !cut.Swap(true) {
			faultproxy.Hijack(w, []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 200\r\n\r\n{\"errors\":[{\"co"), true)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	c, _ := testClient(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	_, err := c.Push(context.Background(), seededImage(t, 17, 1), []string{host + "/lading/cut:v1"})
	noError(t, err)
}
