package registry

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestPushRefusesLocationOnOtherHostName: an upload session whose Location
// names another host by name (here localhost, for a registry reached as
// 127.0.0.1) receives no blob body: the same-host rule holds for names,
// not only for IP literals (issue 13, case 15).
func TestPushRefusesLocationOnOtherHostName(t *testing.T) {
	var elsewhere atomic.Int32
	inner := newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}})
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Host, "localhost:") {
			if r.ContentLength > 0 {
				elsewhere.Add(1)
			}
			w.WriteHeader(http.StatusCreated)
			return
		}
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/blobs/uploads/") {
			w.Header().Set("Location", "http://localhost:"+r.Host[strings.LastIndex(r.Host, ":")+1:]+"/upload/1")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	c, _ := testClient(t, WithRetries(0))
	host := strings.TrimPrefix(srv.URL, "http://")
	_, err := c.Push(context.Background(), seededImage(t, 18, 1), []string{host + "/lading/loc:v1"})
	if n := elsewhere.Load(); n > 0 {
		t.Fatalf("%d blob bodies went to the upload Location on localhost, another host than %s", n, host)
	}
	if err == nil || !strings.Contains(err.Error(), "localhost") {
		t.Fatalf("push error %v; want one naming the other host", err)
	}
}
