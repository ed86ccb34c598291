package registry

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// retryOp runs op until it succeeds, fails in a way a retry cannot fix, or
// the context ends, and at most p.retries more times per step that fails:
// each request method counts apart, so an upload that meets a broken PATCH
// five times and a broken PUT five times is still within --retries 5. That
// is the bound a request retried in place would have; session requests
// just cannot be retried in place. Each run starts the operation from
// scratch: for a blob a fresh HEAD and, if needed, a new upload session,
// never a resent PATCH or PUT into an old one. When ctx ends, the error
// is ctx's, so callers can test for context.Canceled.
func retryOp(ctx context.Context, p retryPolicy, logger *slog.Logger, what string, op func(context.Context) error) error {
	failures := map[string]int{}
	for attempt := 0; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		step := failedStep(err)
		if failures[step] >= p.retries || permanent(err) {
			return err
		}
		wait := p.delay(failures[step])
		failures[step]++
		logger.Info("retrying", "what", what, "step", step, "retry", failures[step], "of", p.retries, "wait", wait, "after", redactErr(err).Error())
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// failedStep names the request an error came from by its method, or ""
// when the error does not say.
func failedStep(err error) string {
	var te *transport.Error
	if errors.As(err, &te) && te.Request != nil {
		return te.Request.Method
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return strings.ToUpper(ue.Op)
	}
	return ""
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
