package registry

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	inproc "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// repoBlobs is a blob store that keeps each repository's blobs apart, so a
// test can tell a blob uploaded or mounted into a repository from one that
// merely exists in another (ggcr's own in-memory store is global).
type repoBlobs struct {
	mu sync.Mutex
	m  map[string]map[v1.Hash][]byte
}

var (
	_ inproc.BlobHandler     = (*repoBlobs)(nil)
	_ inproc.BlobStatHandler = (*repoBlobs)(nil)
	_ inproc.BlobPutHandler  = (*repoBlobs)(nil)
)

// repoKey undoes a quirk of ggcr's registry, which names the repository
// of an upload-session PUT "REPO/blobs".
func repoKey(repo string) string { return strings.TrimSuffix(repo, "/blobs") }

func (b *repoBlobs) get(repo string, h v1.Hash) ([]byte, bool) {
	repo = repoKey(repo)
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.m[repo][h]
	return data, ok
}

func (b *repoBlobs) put(repo string, h v1.Hash, data []byte) {
	repo = repoKey(repo)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m[repo] == nil {
		b.m[repo] = map[v1.Hash][]byte{}
	}
	b.m[repo][h] = data
}

// Get implements inproc.BlobHandler.
func (b *repoBlobs) Get(_ context.Context, repo string, h v1.Hash) (io.ReadCloser, error) {
	data, ok := b.get(repo, h)
	if !ok {
		return nil, inproc.ErrNotFound
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Stat implements inproc.BlobStatHandler.
func (b *repoBlobs) Stat(_ context.Context, repo string, h v1.Hash) (int64, error) {
	data, ok := b.get(repo, h)
	if !ok {
		return 0, inproc.ErrNotFound
	}
	return int64(len(data)), nil
}

// Put implements inproc.BlobPutHandler; rc verifies the digest as read.
func (b *repoBlobs) Put(_ context.Context, repo string, h v1.Hash, rc io.ReadCloser) error {
	data, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	b.put(repo, h, data)
	return nil
}

// newInproc is ggcr's in-process registry on blobs, logging nowhere.
func newInproc(blobs *repoBlobs) http.Handler {
	return inproc.New(inproc.Logger(log.New(io.Discard, "", 0)), inproc.WithBlobHandler(blobs))
}

// mount emulates a cross-repository mount (POST ?mount=D&from=REPO), which
// ggcr's registry does not implement: 201 when REPO has D, else false so
// the registry opens an upload session (202), as the spec says.
func mount(w http.ResponseWriter, req *http.Request, blobs *repoBlobs) bool {
	q := req.URL.Query()
	repo, ok := uploadRepo(req)
	if req.Method != http.MethodPost || !ok || q.Get("mount") == "" || q.Get("from") == "" {
		return false
	}
	h, err := v1.NewHash(q.Get("mount"))
	if err != nil {
		return false
	}
	data, ok := blobs.get(q.Get("from"), h)
	if !ok {
		return false
	}
	blobs.put(repo, h, data)
	w.Header().Set("Location", "/v2/"+repo+"/blobs/"+h.String())
	w.Header().Set("Docker-Content-Digest", h.String())
	w.WriteHeader(http.StatusCreated)
	return true
}

// uploadRepo is the repository of a request to /v2/REPO/blobs/uploads/….
func uploadRepo(req *http.Request) (string, bool) {
	p := req.URL.Path
	i := strings.Index(p, "/blobs/uploads/")
	if !strings.HasPrefix(p, "/v2/") || i < 0 {
		return "", false
	}
	return p[len("/v2/"):i], true
}

// startServer serves h on loopback for the test's lifetime.
func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
