package registry

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// observer passes requests to inner and tells the tally what the registry
// answered, after retries: a blob it has (HEAD 200), one it mounted (POST
// ?mount 201) or one it stored (PUT ?digest 201).
type observer struct {
	inner http.RoundTripper
	tally *tally
}

var _ http.RoundTripper = (*observer)(nil)

// RoundTrip implements http.RoundTripper.
func (o *observer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.inner.RoundTrip(req)
	if err == nil {
		o.tally.observe(req, resp.StatusCode)
	}
	return resp, err
}

// tally counts and logs, once per repository and blob, what happened to
// each blob of one push, and reports upload progress (see push_progress.go).
type tally struct {
	logger   *slog.Logger
	mu       sync.Mutex
	reported map[string]bool
	c        BlobCounts
	blobs    map[v1.Hash]*blobProgress
	done     chan struct{}
	stopOnce sync.Once
}

func newTally(logger *slog.Logger, every time.Duration) *tally {
	t := &tally{logger: logger, reported: map[string]bool{}, blobs: map[v1.Hash]*blobProgress{}, done: make(chan struct{})}
	if every > 0 {
		go t.report(every)
	}
	return t
}

// observe records one answered request, if it settles a blob.
func (t *tally) observe(req *http.Request, status int) {
	repo, digest, outcome := classify(req, status)
	if outcome == "" {
		return
	}
	d, err := v1.NewHash(digest)
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reported[repo+"@"+digest] {
		return
	}
	t.reported[repo+"@"+digest] = true
	size := int64(-1)
	if p := t.blobs[d]; p != nil {
		size = p.size
		p.finished.Store(true)
	}
	switch outcome {
	case "uploaded":
		t.c.Uploaded++
		t.c.UploadedBytes += max(size, 0)
	case "mounted":
		t.c.Mounted++
	case "exists":
		t.c.Existing++
	}
	attrs := []any{"repository", repo, "digest", digest, "size", size}
	if from := req.URL.Query().Get("from"); outcome == "mounted" && from != "" {
		attrs = append(attrs, "from", from)
	}
	t.logger.Info("blob "+outcome, attrs...)
}

// classify names what a registry's answer says about a blob, if anything:
// its repository, digest and "exists", "mounted" or "uploaded".
func classify(req *http.Request, status int) (repo, digest, outcome string) {
	p := req.URL.Path
	i := strings.LastIndex(p, "/blobs/")
	if !strings.HasPrefix(p, "/v2/") || i < 4 {
		return "", "", ""
	}
	repo, rest, q := p[len("/v2/"):i], p[i+len("/blobs/"):], req.URL.Query()
	switch {
	case req.Method == http.MethodHead && status == http.StatusOK && !strings.HasPrefix(rest, "uploads"):
		return repo, rest, "exists"
	case req.Method == http.MethodPost && status == http.StatusCreated && q.Get("mount") != "":
		return repo, q.Get("mount"), "mounted"
	case req.Method == http.MethodPut && status == http.StatusCreated && q.Get("digest") != "":
		return repo, q.Get("digest"), "uploaded"
	}
	return "", "", ""
}

// counts is the tally so far.
func (t *tally) counts() BlobCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.c
}

// stop ends progress reports; it is safe to call more than once.
func (t *tally) stop() { t.stopOnce.Do(func() { close(t.done) }) }
