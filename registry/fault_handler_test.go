package registry

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// fault is what the faulty registry does to one request.
type fault int

const (
	noFault    fault = iota
	fault500         // 500 without acting
	fault429         // 429 with Retry-After 0 or 1, without acting
	faultReset       // connection reset before any response, without acting
	faultCut         // acted on; the answer is cut mid-way (body, or headers)
	faultLost        // acted on; the connection closes with no answer
	// The faults below befall HEAD requests only (issue 9).
	faultCutHead // 200, Content-Length 100000, a few bytes, a reset, without asking
	faultLieHead // a whole 200 for a blob the registry lacks (see lie), else faultCutHead
	faultKinds
)

var faultNames = [...]string{"none", "500", "429", "reset", "cut", "lost", "cut-head", "lie-head"}

// record is one request as the faulty registry saw it, in arrival order.
type record struct {
	seq          int
	method, path string
	query        string
	fault        fault
	status       int // the registry's answer when it acted, else 0
}

// faultyRegistry is ggcr's in-process registry (repository-aware blobs,
// emulated mounts) behind a handler that fails a fraction of requests with
// every fault above, records the order of requests, and notes each
// manifest PUT sent before what it names was in the registry.
type faultyRegistry struct {
	blobs *repoBlobs
	inner http.Handler
	srv   *httptest.Server

	mu      sync.Mutex
	rng     *rand.Rand
	rate    float64
	records []record
	early   []string
	// onRequest, if set, runs before each request is handled.
	onRequest func(seq int, req *http.Request)
	// inflight counts requests being handled, for quiesce.
	inflight busy

	sizes      map[v1.Hash]int64 // blob sizes learnt, to lie with
	lied       map[string]bool   // REPO@DIGEST a HEAD lied about
	lieAlways  bool              // lie to every blob HEAD it can
	namesBlobs bool              // MANIFEST_BLOB_UNKNOWN names the blob
	refused    int               // manifests refused as incomplete
}

func newFaultyRegistry(t *testing.T, rate float64, seed uint64) *faultyRegistry {
	t.Helper()
	f := &faultyRegistry{blobs: &repoBlobs{m: map[string]map[v1.Hash][]byte{}}, rng: rand.New(rand.NewPCG(seed, 1)), rate: rate,
		sizes: map[v1.Hash]int64{}, lied: map[string]bool{}, namesBlobs: true}
	f.inner = newInproc(f.blobs)
	f.srv = startServer(t, f)
	return f
}

// host is the registry's HOST:PORT.
func (f *faultyRegistry) host() string { return f.srv.Listener.Addr().String() }

// setRate changes the fraction of requests that fail.
func (f *faultyRegistry) setRate(rate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = rate
}

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
	switch kind {
	case fault500:
		writeRegError(w, http.StatusInternalServerError, "UNKNOWN", "")
		return
	case fault429:
		writeRegError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", strconv.Itoa(seq%2))
		return
	case faultReset:
		hijack(w, nil, true)
		return
	case faultLieHead:
		if f.lie(w, req) {
			return
		}
		f.cutHead(w)
		return
	case faultCutHead:
		f.cutHead(w)
		return
	}
	if f.lieAlways && f.lie(w, req) {
		return
	}
	rec := httptest.NewRecorder()
	if !mount(rec, req, f.blobs) && !f.refuseIncomplete(rec, req, body) {
		f.inner.ServeHTTP(rec, req)
	}
	f.finish(seq, rec.Code)
	switch kind {
	case faultCut:
		hijack(w, f.cut(req, rec), false)
	case faultLost:
		hijack(w, nil, true)
	default:
		copyResponse(w, rec)
	}
}

// begin records req and draws its fault; it returns the request hook.
func (f *faultyRegistry) begin(req *http.Request) (int, fault, func(int, *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kind, kinds := noFault, int(faultCutHead)
	if req.Method == http.MethodHead {
		kinds = int(faultKinds)
	}
	if f.rng.Float64() < f.rate {
		kind = fault(1 + f.rng.IntN(kinds-1))
	}
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

// cut serialises rec and keeps a random prefix: part of the body, or, when
// there is none, part of the headers.
func (f *faultyRegistry) cut(req *http.Request, rec *httptest.ResponseRecorder) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	h := rec.Header().Clone()
	body := rec.Body.Bytes()
	if req.Method == http.MethodHead {
		body = nil
	} else {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	h.Write(&buf)
	buf.WriteString("\r\n")
	head := buf.Len()
	buf.Write(body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(body) > 0 {
		return buf.Bytes()[:head+f.rng.IntN(len(body))]
	}
	return buf.Bytes()[:1+f.rng.IntN(head-2)]
}

// hijack writes data on the raw connection and closes it; reset makes the
// close a TCP reset rather than an orderly end.
func hijack(w http.ResponseWriter, data []byte, reset bool) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		tc.SetLinger(0)
	}
	conn.Write(data)
	conn.Close()
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// writeRegError writes a registry error, with Retry-After when given.
func writeRegError(w http.ResponseWriter, status int, code, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"injected fault"}]}`, code)
}
