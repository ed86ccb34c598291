package faultproxy

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// cutHead answers a HEAD as the broken intermediary of issue 9 did, without
// asking the registry: 200, Content-Length 100000, a few bytes, a reset.
func (p *Proxy) cutHead(w http.ResponseWriter) {
	p.mu.Lock()
	n := 1 + p.rng.IntN(8)
	p.mu.Unlock()
	Hijack(w, []byte("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", n)), true)
}

// retryAfter is a Retry-After of 0 or 1 seconds.
func (p *Proxy) retryAfter() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strconv.Itoa(p.rng.IntN(2))
}

// cut serialises rec and keeps a random prefix: part of the body, or, when
// there is none, part of the headers.
func (p *Proxy) cut(req *http.Request, rec *httptest.ResponseRecorder) []byte {
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
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(body) > 0 {
		return buf.Bytes()[:head+p.rng.IntN(len(body))]
	}
	return buf.Bytes()[:1+p.rng.IntN(head-2)]
}

// Hijack writes data on the raw connection and closes it; reset makes the
// close a TCP reset rather than an orderly end. Tests use it to answer as a
// broken intermediary would.
func Hijack(w http.ResponseWriter, data []byte, reset bool) {
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

// WriteError writes a registry error, with Retry-After when given.
func WriteError(w http.ResponseWriter, status int, code, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"injected fault"}]}`, code)
}
