package registry

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// retryTransport retries single requests that are safe to send again:
// HEAD, GET, a manifest PUT and the POST that opens an upload session (a
// new session each time; an orphaned one costs the registry nothing). It
// retries on connection errors, 408, 429 (after Retry-After) and 5xx.
//
// It never retries a request inside an upload session (lading's uploads
// are monolithic: the one PUT that carries the blob and commits it): after
// a failure nobody knows how much of the body the registry kept, so the blob restarts in a new session,
// one level up (uploadBlob). A request whose body cannot be rewound (no
// GetBody) is never retried either. A GET whose body breaks mid-way is
// resumed by resumableBody.
type retryTransport struct {
	inner  http.RoundTripper
	policy retryPolicy
	logger *slog.Logger
	stall  time.Duration // how long a pulled body's read may wait for a byte; 0: forever
}

var _ http.RoundTripper = (*retryTransport)(nil)

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !replayable(req) {
		resp, err := t.inner.RoundTrip(req)
		return resp, deadEndpoint(req, err)
	}
	refused := 0
	for attempt := 0; ; attempt++ {
		r, err := rewound(req, attempt)
		if err != nil {
			return nil, err
		}
		r, ctx, cancel := ownContext(r)
		resp, err := wholeRefusal(t.inner.RoundTrip(r))
		err = deadEndpoint(req, err)
		t.logAttempt(r, resp, err)
		if !t.again(req, attempt, refused, resp, err) {
			return t.answer(req, attempt, resp, err, ctx, cancel), err
		}
		wait := t.policy.wait(attempt, retryAfterIn(resp))
		if isRefused(err) {
			wait = refusedWaits[refused]
			refused++
		}
		t.logger.Debug("retrying request", "method", req.Method, "url", redactURL(req), "attempt", attempt+1,
			"of", t.policy.retries, "after", reason(resp, err), "wait", wait)
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		cancel(nil)
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// ownContext gives a GET attempt a context of its own, which a stalled
// body ends (resumableBody) without ending the caller's; other requests
// keep theirs, with a cancel that does nothing.
func ownContext(r *http.Request) (*http.Request, context.Context, context.CancelCauseFunc) {
	if r.Method != http.MethodGet {
		return r, r.Context(), func(error) {}
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	return r.WithContext(ctx), ctx, cancel
}

// answer is the response RoundTrip returns for the last attempt: a 200
// GET's body resumable and watched for stalls; any other body ends the
// attempt's context when closed.
func (t *retryTransport) answer(req *http.Request, attempt int, resp *http.Response, err error,
	ctx context.Context, cancel context.CancelCauseFunc) *http.Response {
	switch {
	case err != nil:
		cancel(nil)
	case req.Method == http.MethodGet && resp.StatusCode == http.StatusOK:
		resp.Body = &resumableBody{t: t, req: req, body: resp.Body, ctx: ctx, cancel: cancel, size: resp.ContentLength, attempts: attempt + 1}
	default:
		resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	}
	return resp
}

// cancelOnClose is a body that ends its request's context when closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel(nil)
	return err
}

// logAttempt logs one request and its answer at debug level (lading -v).
func (t *retryTransport) logAttempt(req *http.Request, resp *http.Response, err error) {
	if err != nil {
		t.logger.Debug("request", "method", req.Method, "url", redactURL(req), "err", err)
		return
	}
	t.logger.Debug("request", "method", req.Method, "url", redactURL(req), "status", resp.StatusCode)
}

// again reports whether the outcome of attempt, after refused refused
// connections, is worth another try.
func (t *retryTransport) again(req *http.Request, attempt, refused int, resp *http.Response, err error) bool {
	if attempt >= t.policy.retries || req.Context().Err() != nil {
		return false
	}
	if isRefused(err) {
		return refused < len(refusedWaits)
	}
	if err != nil {
		return !permanentTransportError(err)
	}
	return retryableStatus(resp.StatusCode)
}

// wholeRefusal reads the body of an error answer (status 400 or more, a
// registry's JSON of a few hundred bytes, at most 64 KiB kept) so that one
// cut mid-way is a failed attempt, retried like a reset, rather than an
// "unexpected EOF" found later by the caller instead of the registry's
// code (issue 9: a refused manifest PUT whose answer was cut).
func wholeRefusal(resp *http.Response, err error) (*http.Response, error) {
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read %s answer to %s %s: %w", resp.Status, resp.Request.Method, redactURL(resp.Request), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// replayable reports whether req may be sent twice (see retryTransport).
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodHead, http.MethodGet:
		return true
	case http.MethodPut:
		return strings.Contains(req.URL.Path, "/manifests/")
	case http.MethodPost:
		return strings.HasSuffix(req.URL.Path, "/blobs/uploads/")
	}
	return false
}

// rewound is req for attempt: req itself first, then a clone with a fresh
// body from GetBody.
func rewound(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 0 {
		return req, nil
	}
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// permanentTransportError reports errors that a retry cannot fix: a
// request our policy refuses, an untrusted certificate, TLS spoken to a
// plain-HTTP server, a cancelled context, a host DNS does not know, and a
// connection refused after its short retries (see refusedWaits).
func permanentTransportError(err error) bool {
	var pe *policyError
	var te *tlsError
	var rh tls.RecordHeaderError // https to a plain-HTTP server
	var ee *endpointError
	return errors.As(err, &pe) || errors.As(err, &te) || errors.As(err, &rh) || errors.As(err, &ee) || isCertificateError(err) || isContextError(err)
}

// redactURL is req's URL without its query, which may carry upload state.
func redactURL(req *http.Request) string {
	u := *req.URL
	u.RawQuery, u.User = "", nil
	return u.String()
}

// reason describes a failed attempt for the log.
func reason(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// refusedWaits are the waits before each retry of a request whose
// connection was refused: a registry that is starting may take a moment,
// one that is not running never answers, so a few seconds in all, not the
// backoff (issue 9: a refused push took 38-45 s to fail; crane 0.05 s).
// --retries still bounds them: at most min(N, len(refusedWaits)) retries.
var refusedWaits = [...]time.Duration{200 * time.Millisecond, 500 * time.Millisecond, time.Second}

// endpointError is a registry host that cannot be reached at all: one DNS
// does not know (never retried), or one refusing connections.
type endpointError struct {
	host    string
	refused bool
	err     error
}

var _ error = (*endpointError)(nil)

func (e *endpointError) Error() string {
	if e.refused {
		return fmt.Sprintf("connect to %s: %v (is the registry running at %s?)", e.host, e.err, e.host)
	}
	return fmt.Sprintf("unknown registry host %s (check the name): %v", e.host, e.err)
}

func (e *endpointError) Unwrap() error { return e.err }

// deadEndpoint wraps err in an endpointError naming req's host when it says
// the host is unknown or refused the connection; other errors pass.
func deadEndpoint(req *http.Request, err error) error {
	var dns *net.DNSError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dns) && dns.IsNotFound:
		return &endpointError{host: req.URL.Hostname(), err: err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &endpointError{host: req.URL.Host, refused: true, err: err}
	}
	return err
}

// isRefused reports a connection refused (see deadEndpoint).
func isRefused(err error) bool {
	var ee *endpointError
	return errors.As(err, &ee) && ee.refused
}

// isUnknownHost reports a host DNS does not know (see deadEndpoint).
func isUnknownHost(err error) bool {
	var ee *endpointError
	return errors.As(err, &ee) && !ee.refused
}
