package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Defaults of NewClient's options.
//
// DefaultRetries is 6, not 5: with one retry level (issue 9) a request
// fails only when all its N+1 attempts do, which behind a proxy failing
// one request in three is 1 in 3^(N+1). A push sends 10 to 20 requests that
// nothing else can stand in for (ping, upload POSTs and PUTs, manifest
// PUTs), so 5 completed about 98.9% of pushes (791 of 800 over 8 seeds,
// some seeds 97 of 100) and 6 about 99.7% (798 of 800). Against a registry
// that always answers 503 it gives up after about 12 s of backoff.
const (
	DefaultRetries         = 6
	DefaultPushJobs        = 4 // network work, like ggcr's MultiWrite
	DefaultBackoff         = 250 * time.Millisecond
	DefaultMaxBackoff      = 30 * time.Second
	DefaultResponseTimeout = 2 * time.Minute
	DefaultStallTimeout    = 30 * time.Second
)

// ClientOption configures NewClient. Options are validated when applied
// and never changed afterwards.
type ClientOption func(*clientOptions) error

// clientOptions is everything a Client is built from.
type clientOptions struct {
	authFiles        []string
	keychain         authn.Keychain
	caFiles          []string
	insecure         []string
	proxy            func(*http.Request) (*url.URL, error)
	retries          int
	backoff, maxWait time.Duration
	responseTimeout  time.Duration
	stallTimeout     time.Duration
	pushTimeout      time.Duration
	pushJobs         int
	logger           *slog.Logger
	progressEvery    time.Duration
	// dial, when set (by tests), replaces the net.Dialer, so that a test
	// can meet an unknown host without asking DNS.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func defaultClientOptions() clientOptions {
	return clientOptions{
		retries: DefaultRetries, backoff: DefaultBackoff, maxWait: DefaultMaxBackoff,
		responseTimeout: DefaultResponseTimeout, stallTimeout: DefaultStallTimeout, pushJobs: DefaultPushJobs,
		logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// WithAuthFiles names the credential files to read, first match wins:
// docker's config.json (whose credsStore and credHelpers are honoured) and
// podman's auth.json, in the order given. Files that do not exist are
// skipped. Without this option (or WithKeychain) every request is anonymous.
func WithAuthFiles(paths ...string) ClientOption {
	return func(o *clientOptions) error {
		o.authFiles = append(o.authFiles, paths...)
		return nil
	}
}

// WithKeychain replaces the credential lookup of WithAuthFiles.
func WithKeychain(k authn.Keychain) ClientOption {
	return func(o *clientOptions) error {
		if k == nil {
			return errors.New("keychain is nil")
		}
		o.keychain = k
		return nil
	}
}

// WithCAFiles adds PEM CA certificates (SSL_CERT_FILE, --registry-ca) to
// the system roots for every TLS connection. A file that cannot be read or
// holds no certificate is an error from NewClient.
func WithCAFiles(paths ...string) ClientOption {
	return func(o *clientOptions) error {
		o.caFiles = append(o.caFiles, paths...)
		return nil
	}
}

// WithInsecureRegistries names the HOST[:PORT]s that may be reached over
// plain HTTP or over TLS without verification, and that may receive
// credentials over plain HTTP. Loopback hosts may use plain HTTP without
// being named, but get no credentials that way; private-range addresses get
// nothing without being named.
func WithInsecureRegistries(hosts ...string) ClientOption {
	return func(o *clientOptions) error {
		for _, h := range hosts {
			if err := checkHostPort(h); err != nil {
				return fmt.Errorf("insecure registry %q: %w", h, err)
			}
		}
		o.insecure = append(o.insecure, hosts...)
		return nil
	}
}

// WithProxy sets the proxy function of the client's transports (cmd passes
// http.ProxyFromEnvironment). The default is no proxy.
func WithProxy(proxy func(*http.Request) (*url.URL, error)) ClientOption {
	return func(o *clientOptions) error {
		o.proxy = proxy
		return nil
	}
}

// WithRetries bounds the retries: each request is sent at most n+1 times,
// and a blob whose upload fails inside its session is restarted in at most
// n fresh sessions (default DefaultRetries; 0 tries everything once).
func WithRetries(n int) ClientOption {
	return func(o *clientOptions) error {
		if n < 0 {
			return fmt.Errorf("retries must be 0 or more, not %d", n)
		}
		o.retries = n
		return nil
	}
}

// WithBackoff sets the first retry delay, which doubles (with jitter) on
// each retry, and the longest wait, which also caps a Retry-After header
// (defaults DefaultBackoff and DefaultMaxBackoff). Tests make both tiny.
func WithBackoff(first, longest time.Duration) ClientOption {
	return func(o *clientOptions) error {
		if first <= 0 || longest < first {
			return fmt.Errorf("backoff: want 0 < first (%v) <= longest (%v)", first, longest)
		}
		o.backoff, o.maxWait = first, longest
		return nil
	}
}

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

// WithStallTimeout bounds how long one read of a pulled body (a blob or a
// manifest) may go without a byte (default DefaultStallTimeout). A read
// that stalls fails with an error naming the host and the blob, and the
// body is resumed like a broken one, within --retries (issue 13, case 13:
// a layer trickling one byte every 2 s held a build forever).
func WithStallTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) error {
		if d <= 0 {
			return fmt.Errorf("stall timeout must be positive, not %v", d)
		}
		o.stallTimeout = d
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
