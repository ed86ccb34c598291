// Package faultproxy is test support, not part of lading: an http.Handler
// that stands in front of a registry and fails a fraction of requests the
// ways broken networks and intermediaries do (issue #5, issue 9). The
// registry package's fault tests put it in front of ggcr's in-process
// registry; cmd/lading's end-to-end fault test puts it in front of Debian's
// docker-registry through a reverse proxy. lading's own code never imports
// it.
//
// A Proxy holds every answer of the registry behind it in memory before
// deciding what to send on, so it suits small blobs only.
package faultproxy

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Fault is what the proxy does to one request.
type Fault int

const (
	None      Fault = iota
	Status500       // 500 without asking the registry
	Status429       // 429 with Retry-After 0 or 1, without asking the registry
	Reset           // connection reset before any response, without asking
	Cut             // the registry acted; its answer is cut mid-way (body, or headers)
	Lost            // the registry acted; the connection closes with no answer
	// The faults below befall HEAD requests only (issue 9).
	CutHead // 200, Content-Length 100000, a few bytes, a reset, without asking
	LieHead // a whole 200 for a blob the registry lacks (see Learn), else CutHead
	kinds
)

var names = [...]string{"none", "500", "429", "reset", "cut", "lost", "cut-head", "lie-head"}

// String is the fault's short name, as Counts keys it.
func (f Fault) String() string { return names[f] }

// Proxy fails a fraction of the requests it passes to the registry next.
// Its zero rate passes everything; SetRate changes it at any time. Faults
// are drawn from a generator seeded by New, so a seed fixes the sequence of
// draws (not which request gets which: that follows arrival order).
type Proxy struct {
	next http.Handler

	mu        sync.Mutex
	rng       *rand.Rand
	rate      float64
	counts    [kinds]int
	sizes     map[v1.Hash]int64 // blob sizes learnt, to lie with
	lied      map[string]bool   // REPO@DIGEST a HEAD lied about
	lieAlways bool
}

// New returns a proxy in front of next, drawing its faults from seed, with
// rate 0.
func New(next http.Handler, seed uint64) *Proxy {
	return &Proxy{next: next, rng: rand.New(rand.NewPCG(seed, 1)),
		sizes: map[v1.Hash]int64{}, lied: map[string]bool{}}
}

// SetRate changes the fraction of requests that fail.
func (p *Proxy) SetRate(rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = rate
}

// SetLieAlways makes the proxy lie (as LieHead) to every blob HEAD it can,
// whatever the rate.
func (p *Proxy) SetLieAlways(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lieAlways = on
}

// Learn tells the proxy a blob's size, so that it can lie about it
// convincingly.
func (p *Proxy) Learn(d v1.Hash, size int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sizes[d] = size
}

// Lied reports whether a HEAD of blob d in repo was answered with a lie.
func (p *Proxy) Lied(repo, d string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lied[repo+"@"+d]
}

// Counts counts the faults drawn so far by name ("none" included).
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, n := range p.counts {
		out[names[k]] = n
	}
	return out
}

// ServeHTTP implements http.Handler: it draws a fault for req and serves it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p.Serve(w, req, p.Draw(req))
}

// Draw draws the fault for req: with probability rate one of the faults
// (the HEAD-only ones for HEADs only), else None.
func (p *Proxy) Draw(req *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	kind, n := None, int(CutHead)
	if req.Method == http.MethodHead {
		n = int(kinds)
	}
	if p.rng.Float64() < p.rate {
		kind = Fault(1 + p.rng.IntN(n-1))
	}
	p.counts[kind]++
	return kind
}

// Serve answers req with fault kind, and returns the registry's status
// when the registry acted on req, else 0.
func (p *Proxy) Serve(w http.ResponseWriter, req *http.Request, kind Fault) int {
	switch kind {
	case Status500:
		WriteError(w, http.StatusInternalServerError, "UNKNOWN", "")
		return 0
	case Status429:
		WriteError(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", p.retryAfter())
		return 0
	case Reset:
		Hijack(w, nil, true)
		return 0
	case LieHead:
		if !p.lie(w, req) {
			p.cutHead(w)
		}
		return 0
	case CutHead:
		p.cutHead(w)
		return 0
	}
	if p.lyingAlways() && p.lie(w, req) {
		return 0
	}
	rec := httptest.NewRecorder()
	p.next.ServeHTTP(rec, req)
	switch kind {
	case Cut:
		Hijack(w, p.cut(req, rec), false)
	case Lost:
		Hijack(w, nil, true)
	default:
		copyResponse(w, rec)
	}
	return rec.Code
}

func (p *Proxy) lyingAlways() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lieAlways
}

// lie, for a HEAD of a blob whose size it learnt and that the registry
// answers 404, answers a whole 200 with that size and digest and reports
// true; the lie is remembered (see Lied).
func (p *Proxy) lie(w http.ResponseWriter, req *http.Request) bool {
	i := strings.LastIndex(req.URL.Path, "/blobs/sha256:")
	if req.Method != http.MethodHead || i < 0 || !strings.HasPrefix(req.URL.Path, "/v2/") {
		return false
	}
	repo, d := req.URL.Path[len("/v2/"):i], req.URL.Path[i+len("/blobs/"):]
	h, err := v1.NewHash(d)
	p.mu.Lock()
	size, known := p.sizes[h]
	p.mu.Unlock()
	if err != nil || !known {
		return false
	}
	rec := httptest.NewRecorder()
	p.next.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		return false
	}
	p.mu.Lock()
	p.lied[repo+"@"+d] = true
	p.mu.Unlock()
	w.Header().Set("Content-Length", fmt.Sprint(size))
	w.Header().Set("Docker-Content-Digest", d)
	w.WriteHeader(http.StatusOK)
	return true
}
