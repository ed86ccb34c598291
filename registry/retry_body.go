package registry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// resumableBody is the body of a GET that, when the connection breaks
// mid-way, sends the GET again and skips what was already read. Each resend
// is one more attempt of the same request, so the GET is sent at most
// --retries+1 times in all, however its attempts failed. Blobs and
// manifests are content-addressed and the reader above verifies the
// digest, so a resumed body that differed would fail there rather than
// pass silently.
type resumableBody struct {
	t        *retryTransport
	req      *http.Request
	body     io.ReadCloser
	size     int64 // Content-Length of the first response, -1 if unknown
	read     int64
	attempts int // of the GET so far, the first response's included
}

var _ io.ReadCloser = (*resumableBody)(nil)

// Read implements io.Reader.
func (b *resumableBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.read += int64(n)
	if err == nil || errors.Is(err, io.EOF) {
		return n, err
	}
	if rerr := b.resume(err); rerr != nil {
		return n, rerr
	}
	if n > 0 {
		return n, nil
	}
	return b.Read(p)
}

// resume replaces the broken body with a fresh response read past b.read,
// or returns why it could not.
func (b *resumableBody) resume(cause error) error {
	b.body.Close()
	b.body = http.NoBody
	for {
		if b.attempts > b.t.policy.retries || b.req.Context().Err() != nil || b.size < 0 {
			return cause
		}
		wait := b.t.policy.delay(b.attempts - 1)
		b.t.logger.Debug("resuming response body", "url", redactURL(b.req), "at", b.read, "attempt", b.attempts+1,
			"of", b.t.policy.retries+1, "after", cause.Error(), "wait", wait)
		if err := sleep(b.req.Context(), wait); err != nil {
			return err
		}
		b.attempts++
		body, err := b.reopen()
		if err == nil {
			b.body = body
			return nil
		}
		cause = err
	}
}

// reopen sends the GET once more and skips the bytes already read.
func (b *resumableBody) reopen() (io.ReadCloser, error) {
	resp, err := wholeRefusal(b.t.inner.RoundTrip(b.req.Clone(b.req.Context())))
	if err != nil {
		return nil, deadEndpoint(b.req, err)
	}
	if resp.StatusCode != http.StatusOK || resp.ContentLength != b.size {
		resp.Body.Close()
		return nil, fmt.Errorf("resume %s: got %s with %d bytes, want 200 with %d", redactURL(b.req), resp.Status, resp.ContentLength, b.size)
	}
	if _, err := io.CopyN(io.Discard, resp.Body, b.read); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// Close implements io.Closer.
func (b *resumableBody) Close() error { return b.body.Close() }
