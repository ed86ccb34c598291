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
		o.tally.observe(req, resp)
	}
	return resp, err
}

// tally counts and logs, once per repository and blob, what happened to
// each blob of one push, and reports upload progress (see push_progress.go).
type tally struct {
	logger   *slog.Logger
	mu       sync.Mutex
	reported map[string]string // repo@digest: outcome
	c        BlobCounts
	blobs    map[v1.Hash]*blobProgress
	done     chan struct{}
	stopOnce sync.Once
}

func newTally(logger *slog.Logger, every time.Duration) *tally {
	t := &tally{logger: logger, reported: map[string]string{}, blobs: map[v1.Hash]*blobProgress{}, done: make(chan struct{})}
	if every > 0 {
		go t.report(every)
	}
	return t
}

// observe records one answered request, if it settles a blob. A blob is
// counted once per repository, under its last outcome: one taken as there
// or mounted, then uploaded again after the registry said it lacked it
// (see putNode), counts as uploaded.
func (t *tally) observe(req *http.Request, resp *http.Response) {
	repo, digest, outcome := classify(req, resp.StatusCode)
	d, err := v1.NewHash(digest)
	if outcome == "" || err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	size := int64(-1)
	if p := t.blobs[d]; p != nil {
		size = p.size
	}
	key := repo + "@" + digest
	prev := t.reported[key]
	if !believed(outcome, resp, d, size) || prev == outcome || prev != "" && outcome != "uploaded" {
		return
	}
	t.reported[key] = outcome
	if p := t.blobs[d]; p != nil {
		p.finished.Store(true)
	}
	t.count(prev, size, -1)
	t.count(outcome, size, 1)
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

// count adds sign (1 or -1) blobs of size to outcome's count; t.mu is held.
func (t *tally) count(outcome string, size int64, sign int) {
	switch outcome {
	case "uploaded":
		t.c.Uploaded += sign
		t.c.UploadedBytes += int64(sign) * max(size, 0)
	case "mounted":
		t.c.Mounted += sign
	case "exists":
		t.c.Existing += sign
	}
}

// believed reports whether an answer classified as outcome is one the push
// acts on (see wholeAnswer and mountAnswer).
func believed(outcome string, resp *http.Response, d v1.Hash, size int64) bool {
	switch outcome {
	case "exists":
		return wholeAnswer(resp, d, size)
	case "mounted":
		return mountAnswer(resp, d)
	}
	return true
}
