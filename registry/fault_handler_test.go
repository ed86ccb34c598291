package registry

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/faultproxy"
)

// faultyRegistry is ggcr's in-process registry (repository-aware blobs,
// emulated mounts, incomplete manifests refused) behind a fault proxy
// (registry/faultproxy) that fails a fraction of requests with every fault
// it knows; it records the order of requests and notes each manifest PUT
// sent before what it names was in the registry.
type faultyRegistry struct {
	blobs *repoBlobs
	inner http.Handler
	proxy *faultproxy.Proxy
	srv   *httptest.Server

	mu      sync.Mutex
	records []record
	early   []string
	// onRequest, if set, runs before each request is handled.
	onRequest func(seq int, req *http.Request)
	// inflight counts requests being handled, for quiesce.
	inflight busy

	sizes      map[v1.Hash]int64 // blob sizes learnt (see learn)
	namesBlobs bool              // MANIFEST_BLOB_UNKNOWN names the blob
	refused    int               // manifests refused as incomplete
}

// record is one request as the faulty registry saw it, in arrival order.
type record struct {
	seq          int
	method, path string
	query        string
	fault        faultproxy.Fault
	status       int // the registry's answer when it acted, else 0
}

func newFaultyRegistry(t *testing.T, rate float64, seed uint64) *faultyRegistry {
	t.Helper()
	f := &faultyRegistry{blobs: &repoBlobs{m: map[string]map[v1.Hash][]byte{}}, sizes: map[v1.Hash]int64{}, namesBlobs: true}
	f.inner = newInproc(f.blobs)
	f.proxy = faultproxy.New(http.HandlerFunc(f.act), seed)
	f.proxy.SetRate(rate)
	f.srv = startServer(t, f)
	return f
}

// host is the registry's HOST:PORT.
func (f *faultyRegistry) host() string { return f.srv.Listener.Addr().String() }

// setRate changes the fraction of requests that fail.
func (f *faultyRegistry) setRate(rate float64) { f.proxy.SetRate(rate) }

// ServeHTTP implements http.Handler.
func (f *faultyRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	f.inflight.enter()
	defer f.inflight.leave()
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	seq, kind, hook := f.begin(req)
	f.checkOrder(req, body)
	if hook != nil {
		hook(seq, req)
	}
	f.finish(seq, f.proxy.Serve(w, req, kind))
}

// act is the registry behind the proxy: an emulated mount, a refused
// incomplete manifest, or ggcr's registry.
func (f *faultyRegistry) act(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	if !mount(w, req, f.blobs) && !f.refuseIncomplete(w, req, body) {
		f.inner.ServeHTTP(w, req)
	}
}

// begin records req and draws its fault; it returns the request hook.
func (f *faultyRegistry) begin(req *http.Request) (int, faultproxy.Fault, func(int, *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kind := f.proxy.Draw(req)
	seq := len(f.records)
	f.records = append(f.records, record{seq: seq, method: req.Method, path: req.URL.Path, query: req.URL.RawQuery, fault: kind})
	return seq, kind, f.onRequest
}

// setHook sets onRequest.
func (f *faultyRegistry) setHook(hook func(seq int, req *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onRequest = hook
}

// requests is how many requests have arrived so far.
func (f *faultyRegistry) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.records)
}

// quiesce waits for every request being handled to finish.
func (f *faultyRegistry) quiesce() { f.inflight.wait() }

// finish records the registry's answer to request seq.
func (f *faultyRegistry) finish(seq, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[seq].status = status
}
