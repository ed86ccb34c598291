package registry

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/registry/faultproxy"
)

// TestPushVerifiesHeadAnswers: a HEAD answered 200 by a broken intermediary
// (issue 9: Content-Length 100000, a few bytes, then a reset; or whole
// headers naming another size or digest) does not make a blob or manifest
// present: the push uploads everything and the tag names a complete image.
func TestPushVerifiesHeadAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		answer     func(d string, size int) string
	}{
		{"blob-cut", "/blobs/sha256:", func(string, int) string {
			return "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc"
		}},
		{"blob-other-size", "/blobs/sha256:", func(d string, size int) string {
			return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nDocker-Content-Digest: %s\r\n\r\n", size+1, d)
		}},
		{"blob-other-digest", "/blobs/sha256:", func(d string, size int) string {
			return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nDocker-Content-Digest: sha256:%064d\r\n\r\n", size, 0)
		}},
		{"blob-no-length", "/blobs/sha256:", func(d string, size int) string {
			return "HTTP/1.1 200 OK\r\nDocker-Content-Digest: " + d + "\r\n\r\n"
		}},
		{"manifest-cut", "/manifests/sha256:", func(string, int) string {
			return "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nabc"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := seededImage(t, 12, 2)
			sizes := blobSizes(t, img)
			blobs := &repoBlobs{m: map[string]map[v1.Hash][]byte{}}
			inner := newInproc(blobs)
			srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead && strings.Contains(r.URL.Path, tc.path) {
					d := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
					faultproxy.Hijack(w, []byte(tc.answer(d, sizes[d])), true)
					return
				}
				inner.ServeHTTP(w, r)
			}))
			c, _ := testClient(t, WithRetries(1))
			host := strings.TrimPrefix(srv.URL, "http://")
			res, err := c.Push(context.Background(), img, []string{host + "/lading/verify:v1"})
			noError(t, err)
			for d := range sizes {
				if _, ok := blobs.get("lading/verify", v1.Hash{Algorithm: "sha256", Hex: d[len("sha256:"):]}); !ok {
					t.Errorf("blob %s missing after the push", d)
				}
			}
			if res.Blobs.Existing != 0 || res.Blobs.Uploaded != len(sizes) {
				t.Errorf("counts %+v, want %d uploaded and none existing", res.Blobs, len(sizes))
			}
		})
	}
}

// blobSizes maps each blob of img (layers and config) to its size.
func blobSizes(t *testing.T, img v1.Image) map[string]int {
	t.Helper()
	m, err := img.Manifest()
	noError(t, err)
	out := map[string]int{m.Config.Digest.String(): int(m.Config.Size)}
	for _, l := range m.Layers {
		out[l.Digest.String()] = int(l.Size)
	}
	return out
}
