package registry

import (
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Client pushes to and pulls from registries with one set of credentials,
// TLS settings and retry rules, so that base images are fetched exactly as
// pushes are sent. It is safe for concurrent use; its options never change
// after NewClient.
//
// Its requests pass, outermost first: ggcr's auth transport (basic, or a
// bearer token refreshed on 401), a push's observer (per-blob lines and
// counts), a retryTransport (single requests that are safe to resend), and
// a hostTransport (TLS roots, and plain HTTP only where allowed). Pushes
// speak the blob protocol themselves (push_upload.go) so that a failed
// upload restarts in a new session under restartBlob; pulls are ggcr's.
type Client struct {
	o        clientOptions
	base     http.RoundTripper
	keychain authn.Keychain
	insecure hostSet
}

// NewClient builds a Client from opts; see the With* options for defaults.
func NewClient(opts ...ClientOption) (*Client, error) {
	o := defaultClientOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("configure registry client: %w", err)
		}
	}
	ht, err := newHostTransport(&o)
	if err != nil {
		return nil, fmt.Errorf("configure registry client: %w", err)
	}
	kc := o.keychain
	if kc == nil {
		kc = &fileKeychain{paths: o.authFiles}
	}
	return &Client{
		o:        o,
		base:     &retryTransport{inner: ht, policy: o.policy(), logger: o.logger, stall: o.stallTimeout},
		keychain: kc,
		insecure: newHostSet(o.insecure),
	}, nil
}

// policy is the retry policy of the transport and of restartBlob.
func (o *clientOptions) policy() retryPolicy {
	return retryPolicy{retries: o.retries, first: o.backoff, longest: o.maxWait}
}

// parseRef parses a tag or digest reference. A registry named insecure is
// parsed as such, so ggcr may fall back to plain HTTP for it.
func (c *Client) parseRef(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("parse reference %q: %w", s, err)
	}
	if c.insecure.has(ref.Context().RegistryStr()) {
		return name.ParseReference(s, name.Insecure)
	}
	return ref, nil
}

// parseRepo parses a repository (REGISTRY/NAME), insecure as parseRef
// does.
func (c *Client) parseRepo(s string) (name.Repository, error) {
	r, err := name.NewRepository(s)
	if err != nil {
		return name.Repository{}, fmt.Errorf("parse repository %q: %w", s, err)
	}
	if c.insecure.has(r.RegistryStr()) {
		return name.NewRepository(s, name.Insecure)
	}
	return r, nil
}

// remoteOptions are the ggcr options for operations sent through rt.
func (c *Client) remoteOptions(rt http.RoundTripper) []remote.Option {
	return []remote.Option{
		remote.WithTransport(rt),
		remote.WithAuthFromKeychain(c.keychain),
		remote.WithUserAgent("lading"),
		remote.WithJobs(c.o.pushJobs),
		// Retrying is ours, at one level (retryTransport), not ggcr's on
		// top of it: that would multiply attempts. These make ggcr try once.
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithRetryStatusCodes(),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
	}
}
