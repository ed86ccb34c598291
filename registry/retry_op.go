package registry

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// restartBlob runs op, one blob's upload from its HEAD, again in a fresh
// upload session when it failed in a request inside the old session (the
// PUT carrying the blob), at most p.retries more times. That is the one
// retry level such a request has: the transport cannot resend it in place.
// Every other request was already retried in place by retryTransport, so
// its failure is final here: with --retries N each request is sent at most
// N+1 times (issue 9: two levels sent 9 HEADs for --retries 2). When ctx
// ends, the error is ctx's, so callers can test for context.Canceled.
func restartBlob(ctx context.Context, p retryPolicy, logger *slog.Logger, what string, op func(context.Context) error) error {
	for restart := 0; ; restart++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if restart >= p.retries || !inSession(err) || permanent(err) {
			return err
		}
		wait := p.wait(restart, retryAfterOf(err))
		logger.Info("restarting upload", "what", what, "restart", restart+1, "of", p.retries, "wait", wait, "after", redactErr(err).Error())
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// inSession reports whether err came from a request inside an upload
// session (the PUT to …/blobs/uploads/…, or a PATCH should a registry's
// answer lead there), which no one may resend.
func inSession(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) && te.Request != nil {
		return sessionRequest(te.Request.Method, te.Request.URL.Path)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		return perr == nil && sessionRequest(strings.ToUpper(ue.Op), u.Path)
	}
	return false
}

// sessionRequest reports whether method and path address an open upload
// session rather than open one.
func sessionRequest(method, path string) bool {
	i := strings.Index(path, "/blobs/uploads/")
	return i >= 0 && len(path) > i+len("/blobs/uploads/") && (method == http.MethodPut || method == http.MethodPatch)
}

// permanent reports errors that the same request will meet again: the
// registry's 4xx answers (denied, unauthorized after a fresh token, name
// unknown, digest invalid), untrusted certificates, refused requests and
// our own unreadable content. 408, 429, 5xx, a lost upload session and
// connection errors are not permanent.
func permanent(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		if retryableStatus(te.StatusCode) {
			return false
		}
		for _, d := range te.Errors {
			if d.Code == transport.BlobUploadUnknownErrorCode || d.Code == transport.BlobUploadInvalidErrorCode {
				return false
			}
		}
		return te.StatusCode >= 400 && te.StatusCode < 500
	}
	var se *sourceError
	return errors.As(err, &se) || permanentTransportError(err)
}

// waitError is a registry's refusal that asked, with Retry-After, to be
// retried no sooner than after.
type waitError struct {
	err   error
	after time.Duration
}

var _ error = (*waitError)(nil)

func (e *waitError) Error() string { return e.err.Error() }
func (e *waitError) Unwrap() error { return e.err }

// retryAfterOf is the Retry-After that err carries, or -1.
func retryAfterOf(err error) time.Duration {
	var we *waitError
	if errors.As(err, &we) {
		return we.after
	}
	return -1
}

// isContextError reports a cancelled or expired context.
func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// isCertificateError reports a TLS certificate that failed verification.
func isCertificateError(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// sourceError is a failure to read our own content, not the network's.
type sourceError struct{ err error }

var _ error = (*sourceError)(nil)

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }
