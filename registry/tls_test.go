package registry

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// stubTransport answers 200 and remembers that it was used.
type stubTransport struct{ used bool }

func (s *stubTransport) RoundTrip(*http.Request) (*http.Response, error) {
	s.used = true
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

// TestHostPolicy: plain HTTP only to loopback (without credentials) or to
// hosts named insecure; skipped verification only for hosts named.
func TestHostPolicy(t *testing.T) {
	for _, tc := range []struct {
		url, named string
		creds      bool
		want       string // "verified", "unverified" or the refusal
	}{
		{"https://registry.example/v2/", "", true, "verified"},
		{"http://10.1.2.3:5000/v2/", "", false, "refuse plain HTTP to 10.1.2.3:5000"},
		{"http://192.168.1.9/v2/", "", false, "refuse plain HTTP to 192.168.1.9"},
		{"http://127.0.0.1:5000/v2/", "", false, "verified"},
		{"http://localhost:5000/v2/", "", false, "verified"},
		{"http://127.0.0.1:5000/v2/", "", true, "refuse to send credentials (an Authorization header) over plain HTTP to 127.0.0.1:5000"},
		{"http://10.1.2.3:5000/v2/", "10.1.2.3:5000", true, "verified"},
		{"http://10.1.2.3:5001/v2/", "10.1.2.3:5000", false, "refuse plain HTTP to 10.1.2.3:5001"},
		{"http://10.1.2.3:5001/v2/", "10.1.2.3", true, "verified"},
		{"https://10.1.2.3:5000/v2/", "10.1.2.3:5000", true, "unverified"},
		{"https://10.1.2.3:5000/v2/", "", true, "verified"},
	} {
		verified, unverified := &stubTransport{}, &stubTransport{}
		ht := &hostTransport{verified: verified, unverified: unverified, insecure: newHostSet(strings.Fields(tc.named))}
		req := httptest.NewRequest(http.MethodGet, tc.url, nil)
		if tc.creds {
			req.Header.Set("Authorization", "Basic c2VjcmV0")
		}
		_, err := ht.RoundTrip(req)
		got := map[bool]string{true: "verified"}[verified.used] + map[bool]string{true: "unverified"}[unverified.used]
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s (named %q, credentials %v): got %q, want %q", tc.url, tc.named, tc.creds, got, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "--insecure-registry") {
			t.Errorf("refusal %q does not say how to allow it", err)
		}
	}
}

// TestRegistryTLS pushes to a TLS registry whose CA is not a system root:
// refused with the --registry-ca hint, then accepted with the CA file, or
// with the host named insecure.
func TestRegistryTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	img := seededImage(t, 11, 1)
	push := func(opts ...ClientOption) error {
		c, _ := testClient(t, opts...)
		_, err := c.Push(context.Background(), img, []string{host + "/lading/tls:v1"})
		return err
	}
	err := push()
	if err == nil || !strings.Contains(err.Error(), "--registry-ca") || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("push to an unknown CA: %v; want the --registry-ca hint", err)
	}
	t.Logf("unknown CA: %v", err)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	noError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
	noError(t, push(WithCAFiles(ca)))
	noError(t, push(WithInsecureRegistries(host)))
}

// TestClientOptionsValidated: bad options fail NewClient, naming the value.
func TestClientOptionsValidated(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.pem")
	noError(t, os.WriteFile(empty, nil, 0o644))
	for _, tc := range []struct {
		opt  ClientOption
		want string
	}{
		{WithInsecureRegistries("http://registry.local"), "registry.local"},
		{WithInsecureRegistries("registry.local:99999"), "99999"},
		{WithRetries(-1), "retries"},
		{WithPushJobs(0), "push jobs"},
		{WithCAFiles(empty), "no PEM certificate"},
		{WithCAFiles(filepath.Join(t.TempDir(), "missing.pem")), "missing.pem"},
		{WithBackoff(time.Second, time.Millisecond), "backoff"},
	} {
		_, err := NewClient(tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error naming %q", err, tc.want)
		}
	}
	if _, err := NewClient(WithLogger(nil)); err == nil {
		t.Error("a nil logger was accepted")
	}
}
