package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"time"
)

// resumableBody is the body of a GET that, when the connection breaks
// mid-way, sends the GET again and skips what was already read. Each resend
// is one more attempt of the same request, so the GET is sent at most
// --retries+1 times in all, however its attempts failed. Blobs and
// manifests are content-addressed and the reader above verifies the
// digest, so a resumed body that differed would fail there rather than
// pass silently.
//
// Each read waits at most t.stall for a byte (issue 13, case 13: a layer
// trickling one byte every 2 s held a build forever): a stalled read ends
// its attempt's request through ctx and is resumed like a broken one.
type resumableBody struct {
	t        *retryTransport
	req      *http.Request
	body     io.ReadCloser
	ctx      context.Context         // of the attempt body belongs to
	cancel   context.CancelCauseFunc // ends that attempt's request
	size     int64                   // Content-Length of the first response, -1 if unknown
	read     int64
	attempts int // of the GET so far, the first response's included
}

var _ io.ReadCloser = (*resumableBody)(nil)

// Read implements io.Reader.
func (b *resumableBody) Read(p []byte) (int, error) {
	n, err := b.watchedRead(p)
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

// watchedRead reads from the current body; when no byte comes for
// t.stall it ends the attempt's request and fails with a *stallError.
func (b *resumableBody) watchedRead(p []byte) (int, error) {
	if b.t.stall <= 0 || len(p) == 0 {
		return b.body.Read(p)
	}
	stall := &stallError{host: b.req.URL.Host, what: blobName(b.req), after: b.t.stall}
	cancel := b.cancel
	timer := time.AfterFunc(b.t.stall, func() { cancel(stall) })
	n, err := b.body.Read(p)
	timer.Stop()
	// The timer may also have fired just after an earlier read returned:
	// then this one fails for it.
	var se *stallError
	if err != nil && !errors.Is(err, io.EOF) && errors.As(context.Cause(b.ctx), &se) {
		err = se
	}
	return n, err
}

// stallError is a pulled body that made no progress for a while.
type stallError struct {
	host, what string
	after      time.Duration
}

func (e *stallError) Error() string {
	return fmt.Sprintf("read %s from %s: no progress for %v; the registry or a proxy on the way stalls (raise the stall timeout if the link is that slow)",
		e.what, e.host, e.after)
}

// blobName is what req fetches, as "blobs/sha256:…" or "manifests/TAG".
func blobName(req *http.Request) string {
	return path.Base(path.Dir(req.URL.Path)) + "/" + path.Base(req.URL.Path)
}

// resume replaces the broken body with a fresh response read past b.read,
// or returns why it could not.
func (b *resumableBody) resume(cause error) error {
	b.body.Close()
	b.cancel(nil)
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
		err := b.reopen()
		if err == nil {
			return nil
		}
		cause = err
	}
}

// reopen sends the GET once more, in a new attempt, and skips the bytes
// already read (watched for stalls too).
func (b *resumableBody) reopen() error {
	ctx, cancel := context.WithCancelCause(b.req.Context())
	resp, err := wholeRefusal(b.t.inner.RoundTrip(b.req.Clone(ctx)))
	if err != nil {
		cancel(nil)
		return deadEndpoint(b.req, err)
	}
	if resp.StatusCode != http.StatusOK || resp.ContentLength != b.size {
		resp.Body.Close()
		cancel(nil)
		return fmt.Errorf("resume %s: got %s with %d bytes, want 200 with %d", redactURL(b.req), resp.Status, resp.ContentLength, b.size)
	}
	b.body, b.ctx, b.cancel = resp.Body, ctx, cancel
	if _, err := io.CopyN(io.Discard, readerFunc(b.watchedRead), b.read); err != nil {
		resp.Body.Close()
		cancel(nil)
		b.body = http.NoBody
		return err
	}
	return nil
}

// readerFunc is a function as an io.Reader.
type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// Close implements io.Closer; it ends the attempt's request too.
func (b *resumableBody) Close() error {
	err := b.body.Close()
	b.cancel(nil)
	return err
}
