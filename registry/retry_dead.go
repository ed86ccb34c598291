package registry

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

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
