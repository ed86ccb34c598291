package registry

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryPolicy is how often and how long to retry: at most retries times,
// waiting first, then twice as long each time, up to longest, with jitter.
type retryPolicy struct {
	retries        int
	first, longest time.Duration
}

// delay is the wait before retry number attempt+1: exponential, capped,
// with "equal jitter" (half fixed, half random) so that parallel uploads
// that failed together do not retry together.
func (p retryPolicy) delay(attempt int) time.Duration {
	d := p.first
	for i := 0; i < attempt && d < p.longest; i++ {
		d *= 2
	}
	d = min(d, p.longest)
	return d/2 + rand.N(d/2+1)
}

// wait is the delay before retry number attempt+1: the backoff, or longer
// when the registry asked for after (from Retry-After; negative when it
// did not), but never beyond longest.
func (p retryPolicy) wait(attempt int, after time.Duration) time.Duration {
	d := p.delay(attempt)
	if after > d {
		d = min(after, p.longest)
	}
	return d
}

// retryAfterIn is the Retry-After of resp, or -1 when there is none.
func retryAfterIn(resp *http.Response) time.Duration {
	if resp == nil {
		return -1
	}
	if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return ra
	}
	return -1
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryableStatus reports whether a response with status code may succeed
// when sent again: 408, 429 and 5xx but 501 and 505, which will not change.
func retryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented, code == http.StatusHTTPVersionNotSupported:
		return false
	}
	return code >= 500 && code <= 599
}

// sleep waits d or until ctx ends, returning ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
