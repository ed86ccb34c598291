package registry

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"
)

// WithResponseTimeout bounds how long one request waits for the response
// headers once its body is sent (default DefaultResponseTimeout); a request
// that times out counts as a connection error and is retried.
func WithResponseTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) error {
		if d <= 0 {
			return fmt.Errorf("response timeout must be positive, not %v", d)
		}
		o.responseTimeout = d
		return nil
	}
}

// WithPushTimeout bounds a whole Push, retries included (default 0: no
// bound beyond the caller's context).
func WithPushTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) error {
		if d < 0 {
			return fmt.Errorf("push timeout must not be negative, not %v", d)
		}
		o.pushTimeout = d
		return nil
	}
}

// WithPushJobs sets how many blobs upload at once (default DefaultPushJobs).
func WithPushJobs(n int) ClientOption {
	return func(o *clientOptions) error {
		if n < 1 {
			return fmt.Errorf("push jobs must be 1 or more, not %d", n)
		}
		o.pushJobs = n
		return nil
	}
}

// WithLogger sets where progress, retries and per-blob lines go (default:
// nowhere). Nothing logged carries a credential or a token.
func WithLogger(l *slog.Logger) ClientOption {
	return func(o *clientOptions) error {
		if l == nil {
			return errors.New("logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithProgressInterval, when positive, logs each blob still uploading with
// a progress bar every d, for a terminal; by default a push logs one line
// per blob when it is done.
func WithProgressInterval(d time.Duration) ClientOption {
	return func(o *clientOptions) error {
		if d < 0 {
			return fmt.Errorf("progress interval must not be negative, not %v", d)
		}
		o.progressEvery = d
		return nil
	}
}

// checkHostPort accepts HOST or HOST:PORT, with no scheme or path.
func checkHostPort(s string) error {
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, perr := strconv.Atoi(port)
		if perr != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		host = h
	}
	if host == "" {
		return errors.New("want HOST[:PORT], e.g. registry.local:5000")
	}
	for _, r := range host {
		if !(r == '.' || r == '-' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("want HOST[:PORT] with no scheme or path, e.g. registry.local:5000")
		}
	}
	return nil
}
