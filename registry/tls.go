package registry

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// rootPool is the system roots plus every PEM certificate in caFiles.
func rootPool(caFiles []string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, f := range caFiles {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read CA file %s: it holds no PEM certificate", f)
		}
	}
	return pool, nil
}

// newHTTPTransport is a fresh transport with the client's TLS settings; it
// shares nothing with http.DefaultTransport, which is never touched.
func newHTTPTransport(o *clientOptions, tlsConf *tls.Config) *http.Transport {
	dial := o.dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	return &http.Transport{
		Proxy:                 o.proxy,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.responseTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}
}

// hostTransport picks, per request, how a host may be reached: verified
// TLS for every host; unverified TLS and plain HTTP with credentials only
// for hosts named insecure; plain HTTP without credentials of any kind
// (credentialIn) for loopback.
type hostTransport struct {
	verified, unverified http.RoundTripper
	insecure             hostSet
}

var _ http.RoundTripper = (*hostTransport)(nil)

func newHostTransport(o *clientOptions) (*hostTransport, error) {
	pool, err := rootPool(o.caFiles)
	if err != nil {
		return nil, err
	}
	return &hostTransport{
		verified:   newHTTPTransport(o, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}),
		unverified: newHTTPTransport(o, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}), //nolint:gosec // only for hosts the user named insecure
		insecure:   newHostSet(o.insecure),
	}, nil
}

// RoundTrip implements http.RoundTripper.
func (t *hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	if n := redirectHops(req); n > maxRedirects {
		return nil, fmt.Errorf("%s %s: stopped after %d redirects (a registry redirecting in a loop?)", req.Method, redactURL(req), maxRedirects)
	}
	named := t.insecure.has(host)
	if req.URL.Scheme == "http" && !named {
		if !isLoopback(host) {
			return nil, &policyError{host: host, what: "refuse plain HTTP to"}
		}
		if what := credentialIn(req); what != "" {
			return nil, &policyError{host: host, what: "refuse to send credentials (" + what + ") over plain HTTP to"}
		}
	}
	if named && req.URL.Scheme == "https" {
		return t.unverified.RoundTrip(req)
	}
	resp, err := t.verified.RoundTrip(req)
	if err != nil && isUnknownAuthority(err) {
		return nil, &tlsError{host: host, err: err}
	}
	return resp, err
}

// maxRedirects bounds the redirects one request follows, pulls and pushes
// alike (checkRedirect). ggcr's pull client sets its own CheckRedirect, with
// no hop limit, so the limit is kept here, below every http.Client: a
// manifest GET redirecting to itself made 109,000 requests in 70 s (issue 13).
const maxRedirects = 10

// redirectHops counts the redirects that led to req: the http.Client sets
// Response on a request it sends because of a redirect.
func redirectHops(req *http.Request) int {
	n := 0
	for r := req; r.Response != nil && r.Response.Request != nil; r = r.Response.Request {
		n++
	}
	return n
}
