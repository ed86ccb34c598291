package registry

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/registry/faultproxy"
)

// Secrets of the auth test registry; no output may ever contain them.
const (
	testUser     = "lading-user"
	testPassword = "s3cret-Pa55word-do-not-print"
	testToken    = "tok-ABCDEF-0123456789-bearer-secret"
)

// authRegistry serves next over TLS behind docker-style token auth: /v2/
// wants "Bearer testToken", and /token hands that token out for basic
// testUser:testPassword, as docker's distribution with a token server does.
type authRegistry struct {
	srv *httptest.Server
	ca  string // the PEM file of the server's certificate
}

// newAuthRegistry serves next behind auth; wrap, if set, wraps the whole
// (the leak test puts faults in front of the token endpoint too).
func newAuthRegistry(t *testing.T, next http.Handler, wrap func(http.Handler) http.Handler) *authRegistry {
	t.Helper()
	a := &authRegistry{}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(w, r, next) })
	if wrap != nil {
		h = wrap(h)
	}
	a.srv = httptest.NewUnstartedServer(h)
	a.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	a.ca = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(a.ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *authRegistry) host() string { return strings.TrimPrefix(a.srv.URL, "https://") }

func (a *authRegistry) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.URL.Path == "/token" {
		if user, pass, ok := r.BasicAuth(); !ok || user != testUser || pass != testPassword {
			faultproxy.WriteError(w, http.StatusUnauthorized, "UNAUTHORIZED", "")
			return
		}
		fmt.Fprintf(w, `{"token":%q,"access_token":%q}`, testToken, testToken)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="test"`, a.srv.URL))
		faultproxy.WriteError(w, http.StatusUnauthorized, "UNAUTHORIZED", "")
		return
	}
	next.ServeHTTP(w, r)
}

// secrets are every form in which the test credentials could leak.
func secrets() []string {
	return []string{testPassword, testToken, base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))}
}

// checkNoSecret fails if text contains any secret.
func checkNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range secrets() {
		if strings.Contains(text, s) {
			t.Errorf("%s contains a secret (%.6s…):\n%s", what, s, text)
		}
	}
}
