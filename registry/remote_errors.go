package registry

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// explain turns a registry's refusal into the error a user reads: the
// registry's code and message, prefixed by what to do about it, e.g.
// "denied: check push permission for REPO". verb is "push" or "pull".
func explain(err error, repo name.Repository, verb string) error {
	err = redactErr(err)
	var tlsErr *tlsError
	if errors.As(err, &tlsErr) {
		return tlsErr // alone: ggcr's ping adds a plain-HTTP attempt's noise
	}
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	if hint := hintFor(te, repo, verb); hint != "" {
		return fmt.Errorf("%s: %w", hint, err)
	}
	return err
}

// hintFor is the advice for a registry error, or "".
func hintFor(te *transport.Error, repo name.Repository, verb string) string {
	code := transport.ErrorCode("")
	if len(te.Errors) > 0 {
		code = te.Errors[0].Code
	}
	switch {
	case te.StatusCode == 401 || code == transport.UnauthorizedErrorCode:
		return fmt.Sprintf("unauthorized: check the credentials for %s (lading login %s)", repo.RegistryStr(), repo.RegistryStr())
	case te.StatusCode == 403 || code == transport.DeniedErrorCode:
		return fmt.Sprintf("denied: check %s permission for %s", verb, repo)
	case code == transport.NameUnknownErrorCode:
		return fmt.Sprintf("name unknown: repository %s does not exist; create it first or check the name", repo)
	case code == transport.DigestInvalidErrorCode:
		return fmt.Sprintf("digest invalid: %s rejected content whose digest did not match; the source is corrupt or changed during the push", repo.RegistryStr())
	case code == transport.ManifestBlobUnknownErrorCode:
		return fmt.Sprintf("manifest blob unknown: %s lacks a blob the manifest names", repo)
	case te.StatusCode == 404 && verb == "pull":
		return fmt.Sprintf("not found: %s has no such image", repo)
	}
	return ""
}

// redactErr drops query strings (upload state, signed redirect URLs) from
// the URLs inside err, in place, and returns err.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if i := strings.IndexByte(ue.URL, '?'); i >= 0 {
			ue.URL = ue.URL[:i]
		}
	}
	return err
}

// NotFound says whether err is a registry's 404: the manifest, tag or
// blob asked for is not there (a Pull of a cosign tag nobody has signed).
func NotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// statusOf is the HTTP status of a registry error, or 0.
func statusOf(err error) int {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode
	}
	return 0
}
