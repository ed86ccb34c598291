package registry

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// hostSet is a set of HOST[:PORT]s; an entry without a port matches every
// port of that host.
type hostSet map[string]bool

func newHostSet(hosts []string) hostSet {
	s := hostSet{}
	for _, h := range hosts {
		s[strings.ToLower(h)] = true
	}
	return s
}

// has reports whether hostport (a URL's Host) is in the set.
func (s hostSet) has(hostport string) bool {
	hostport = strings.ToLower(hostport)
	if s[hostport] {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return s[host] || s["["+host+"]"]
}

// isLoopback reports whether hostport names localhost or a loopback IP.
// Private ranges (10/8, 172.16/12, 192.168/16) are not loopback: ggcr
// treats them as plain-HTTP registries by default, we do not.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// credentialIn names the credential req carries, or is "" when it
// carries none: an Authorization header, user:password in its URL, or a
// token exchange's secret in a form body. The last was missed once (issue
// 13, case 15): ggcr POSTs an identity token (an OAuth refresh token, as
// ACR stores them) to the token endpoint in the body, not in a header.
func credentialIn(req *http.Request) string {
	switch {
	case req.Header.Get("Authorization") != "":
		return "an Authorization header"
	case req.URL.User != nil:
		return "user:password in the URL"
	case formHasSecret(req):
		return "a token or password in the request body"
	}
	return ""
}

// secretFormKeys are the form fields of an OAuth token request that hold
// a secret (RFC 6749 sections 4.3, 6 and 2.3.1).
var secretFormKeys = []string{"refresh_token", "password", "client_secret", "assertion"}

// formHasSecret reports whether req's body is a form with a secret field;
// a form body that cannot be read without consuming it counts as one.
func formHasSecret(req *http.Request) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return false
	}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return false
	}
	if req.GetBody == nil {
		return true
	}
	body, err := req.GetBody()
	if err != nil {
		return true
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, 1<<20))
	form, perr := url.ParseQuery(string(b))
	if err != nil || perr != nil {
		return true
	}
	for _, k := range secretFormKeys {
		if form.Has(k) {
			return true
		}
	}
	return false
}

// policyError is a request the client refused to send.
type policyError struct{ host, what string }

var (
	_ error = (*policyError)(nil)
	_ error = (*tlsError)(nil)
)

func (e *policyError) Error() string {
	return fmt.Sprintf("%s %s: name it with --insecure-registry %s if that is intended", e.what, e.host, e.host)
}

// tlsError is a certificate from an authority the client does not trust.
type tlsError struct {
	host string
	err  error
}

func (e *tlsError) Error() string {
	return fmt.Sprintf("the registry %s presented a certificate signed by an unknown authority: pass its CA certificate with --registry-ca FILE (%v)", e.host, e.err)
}

func (e *tlsError) Unwrap() error { return e.err }

// isUnknownAuthority reports whether err is a certificate signed by an
// authority outside the pool.
func isUnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	return errors.As(err, &ua)
}
