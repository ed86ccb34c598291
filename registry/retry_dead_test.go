package registry

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// withDial replaces the client's dialer (see clientOptions.dial).
func withDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) ClientOption {
	return func(o *clientOptions) error {
		o.dial = dial
		return nil
	}
}

// TestRefusedConnectionFailsFast: a registry that refuses connections is
// given a short bounded retry, not the backoff (issue 9: 38-45 s), and the
// error asks whether it is running. Default backoff, as users have it.
func TestRefusedConnectionFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	noError(t, err)
	host := l.Addr().String()
	l.Close()
	c, err := NewClient()
	noError(t, err)
	start := time.Now()
	_, err = c.Push(context.Background(), seededImage(t, 14, 1), []string{host + "/lading/dead:v1"})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "is the registry running at "+host+"?") {
		t.Errorf("error %v, want it to ask whether the registry runs at %s", err, host)
	}
	if took > 5*time.Second {
		t.Errorf("took %v to fail, want under 5s", took)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}

// TestUnknownHostFailsAtOnce: a host DNS does not know is not retried and
// is named. The dialer answers as the resolver would, so that no test asks
// DNS about a name.
func TestUnknownHostFailsAtOnce(t *testing.T) {
	var dials atomic.Int32
	c, err := NewClient(withDial(func(_ context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		h, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: h, IsNotFound: true}}
	}))
	noError(t, err)
	start := time.Now()
	_, err = c.Push(context.Background(), seededImage(t, 15, 1), []string{"nonexistent.invalid/lading/x:v1"})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "nonexistent.invalid") || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("error %v, want no such host, naming nonexistent.invalid", err)
	}
	if n := dials.Load(); n != 1 || took > time.Second {
		t.Errorf("dialled %d times in %v, want once and under 1s", n, took)
	}
	if testing.Verbose() {
		t.Log(err)
	}
}
