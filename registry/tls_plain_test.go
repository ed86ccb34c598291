package registry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/lading-dev/lading/registry/faultproxy"
)

// oneKeychain answers cfg for every registry.
type oneKeychain struct{ cfg authn.AuthConfig }

func (k oneKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(k.cfg), nil
}

// tokenSpy is a plain-HTTP token endpoint that records every request it
// gets: its Authorization header (basic auth decoded) and its body.
type tokenSpy struct {
	mu   sync.Mutex
	seen []string
}

func (s *tokenSpy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	user, pass, _ := r.BasicAuth()
	s.mu.Lock()
	s.seen = append(s.seen, r.Method+" "+r.URL.String()+" "+r.Header.Get("Authorization")+" "+user+":"+pass+" "+string(body))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"token":"t","access_token":"t"}`)
}

func (s *tokenSpy) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.seen, "\n")
}

// TestNoCredentialOverPlainHTTP: a plain-HTTP loopback registry whose
// Bearer challenge points at a plain-HTTP token endpoint (on the same
// host, the only realm ggcr accepts on a loopback address) never receives an
// identity token (OAuth refresh token, as ACR stores them) or a password
// in the token exchange, unless the registry was named insecure (issue
// 13, case 15: the guard looked at the Authorization header only).
func TestNoCredentialOverPlainHTTP(t *testing.T) {
	const secret = "refresh-token-secret"
	for name, cfg := range map[string]authn.AuthConfig{
		"identity token": {IdentityToken: secret},
		"password":       {Username: "u", Password: secret},
	} {
		t.Run(name, func(t *testing.T) {
			spy := &tokenSpy{}
			var reg *httptest.Server
			reg = startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					spy.ServeHTTP(w, r)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+reg.URL+`/token",service="reg"`)
				faultproxy.WriteError(w, http.StatusUnauthorized, "UNAUTHORIZED", "")
			}))
			c, _ := testClient(t, WithKeychain(oneKeychain{cfg}), WithRetries(0))
			_, err := c.Pull(context.Background(), strings.TrimPrefix(reg.URL, "http://")+"/app:v1")
			if err == nil {
				t.Fatal("pull succeeded; want it refused")
			}
			if got := spy.all(); strings.Contains(got, secret) {
				t.Fatalf("the plain-HTTP token endpoint received the credential:\n%s", got)
			}
			if !strings.Contains(err.Error(), "--insecure-registry") {
				t.Errorf("pull error %q; want one naming --insecure-registry as the fix", err)
			}
			host := strings.TrimPrefix(reg.URL, "http://")
			named, _ := testClient(t, WithKeychain(oneKeychain{cfg}), WithRetries(0), WithInsecureRegistries(host))
			named.Pull(context.Background(), host+"/app:v1")
			if !strings.Contains(spy.all(), secret) {
				t.Errorf("with --insecure-registry %s the token endpoint never got the credential; the test exercises nothing", host)
			}
		})
	}
}

// TestNoURLCredentialOverPlainHTTP: basic auth in the URL is a credential
// too (issue 13, case 15).
func TestNoURLCredentialOverPlainHTTP(t *testing.T) {
	var hits atomic.Int32
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	ht, err := newHostTransport(&clientOptions{})
	noError(t, err)
	req := httptest.NewRequest(http.MethodGet, strings.Replace(srv.URL, "http://", "http://u:secret@", 1)+"/v2/", nil)
	req.RequestURI = ""
	if resp, err := ht.RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a plain-HTTP request with user:password in its URL was sent (%d hits)", hits.Load())
	}
}
