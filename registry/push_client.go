package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/lading-dev/lading/registry/oci"
)

// repoClient speaks the distribution protocol to one repository, through
// ggcr's auth transport (basic, or a bearer token scoped to push here and
// pull from the mount sources, refreshed on 401) over the push's observer.
// It sends each request once; retrying is the transport's (retryTransport)
// and, for a request inside an upload session, restartBlob's.
type repoClient struct {
	repo   name.Repository
	client *http.Client
}

// newRepoClient authenticates to repo for a push that may mount from
// mountFrom, through the run's observer.
func (r *pushRun) newRepoClient(ctx context.Context, repo name.Repository, mountFrom []name.Repository) (*repoClient, error) {
	scopes := []string{repo.Scope(transport.PushScope)} // first: some registries read only the first
	for _, m := range mountFrom {
		scopes = append(scopes, m.Scope(transport.PullScope))
	}
	return r.c.newRepoClient(ctx, r.rt, repo, scopes)
}

// newRepoClient authenticates to repo with the client's keychain, for
// scopes, over rt.
func (c *Client) newRepoClient(ctx context.Context, rt http.RoundTripper, repo name.Repository, scopes []string) (*repoClient, error) {
	auth, err := authn.Resolve(ctx, c.keychain, repo)
	if err != nil {
		return nil, fmt.Errorf("find credentials for %s: %w", repo, err)
	}
	at, err := transport.NewWithContext(ctx, repo.Registry, auth, rt, scopes)
	if err != nil {
		return nil, err
	}
	return &repoClient{repo: repo, client: &http.Client{Transport: at, CheckRedirect: checkRedirect}}, nil
}

// url is the registry URL of path under /v2/REPO/; the scheme is fixed by
// ggcr's transport after its ping (https, or http where allowed).
func (rc *repoClient) url(path string) string {
	return "https://" + rc.repo.RegistryStr() + "/v2/" + rc.repo.RepositoryStr() + "/" + path
}

// do sends one request and checks its status against want.
func (rc *repoClient) do(ctx context.Context, method, u string, body []byte, header map[string]string, want ...int) (*http.Response, error) {
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u, nil)
	}
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := rc.client.Do(req)
	if err != nil {
		return nil, err
	}
	if err := transport.CheckError(resp, want...); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// putManifest PUTs a's manifest at ref, a tag or a digest of the
// repository, and returns the OCI-Subject header of the answer: a
// registry with the referrers API sends it for a manifest with a subject
// (distribution-spec v1.1), "" otherwise.
func (rc *repoClient) putManifest(ctx context.Context, ref string, a oci.Artifact) (string, error) {
	raw, err := a.RawManifest()
	if err != nil {
		return "", &sourceError{fmt.Errorf("read manifest: %w", err)}
	}
	mt, err := a.MediaType()
	if err != nil {
		return "", &sourceError{fmt.Errorf("read media type: %w", err)}
	}
	return rc.putRawManifest(ctx, ref, raw, mt)
}

// putRawManifest PUTs the manifest raw of media type mt at ref, as
// putManifest does.
func (rc *repoClient) putRawManifest(ctx context.Context, ref string, raw []byte, mt types.MediaType) (string, error) {
	resp, err := rc.do(ctx, http.MethodPut, rc.url("manifests/"+ref), raw,
		map[string]string{"Content-Type": string(mt)}, http.StatusOK, http.StatusCreated, http.StatusAccepted)
	if err != nil {
		return "", err
	}
	return resp.Header.Get("OCI-Subject"), resp.Body.Close()
}

var acceptManifests = strings.Join([]string{string(types.OCIImageIndex), string(types.OCIManifestSchema1),
	string(types.DockerManifestList), string(types.DockerManifestSchema2)}, ",")

// checkRedirect follows a registry's redirects, but never sends a request
// with a body (a PUT) to another host, and never to a private or loopback
// address on another host: a registry must not steer our uploads at
// internal services (the SSRF that ggcr's nextLocation also guards).
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if err := checkOtherHost(via[0].URL, req.URL); err != nil {
		return err
	}
	if req.URL.Host != via[0].URL.Host && req.Method != http.MethodGet && req.Method != http.MethodHead {
		return fmt.Errorf("refuse to follow a %s redirect to another host %s", req.Method, req.URL.Host)
	}
	return nil
}

// checkOtherHost refuses a move from one host to a different one that is
// a private, loopback or link-local IP literal.
func checkOtherHost(from, to *url.URL) error {
	if to.Host == from.Host {
		return nil
	}
	if ip := net.ParseIP(to.Hostname()); ip != nil && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()) {
		return fmt.Errorf("refuse to follow the registry to the private address %s", to.Host)
	}
	return nil
}

// nextLocation resolves an upload session's Location against the request
// that returned it. The Location must be on the registry's own host, by
// name as by address: it receives the blob's body, and a registry must not
// send our blobs to another host (issue 13, case 15: a Location naming
// another host by name was followed; only IP literals were refused).
func nextLocation(resp *http.Response) (string, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("%s %s: the registry gave no Location for the upload", resp.Request.Method, redactURL(resp.Request))
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("parse upload Location: %w", err)
	}
	next := resp.Request.URL.ResolveReference(u)
	if from := resp.Request.URL; !sameHost(from, next) {
		return "", fmt.Errorf("the registry %s gave an upload Location on another host, %s; "+
			"lading uploads blobs only to the registry it pushes to", from.Host, next.Host)
	}
	return next.String(), nil
}

// sameHost reports whether a and b name one host and port, a default port
// written or not.
func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		return map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// wholeAnswer reports whether resp says, in full, that the registry holds
// the blob or manifest d of size bytes: status 200, Content-Length equal to
// size, and Docker-Content-Digest, when sent, equal to d. A broken
// intermediary answered a blob HEAD with 200, Content-Length 100000, a few
// bytes and a reset; taken as present, the blob was never uploaded and the
// manifest was refused (issue 9). Trust no answer we can check.
func wholeAnswer(resp *http.Response, d v1.Hash, size int64) bool {
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		return false
	}
	got := resp.Header.Get("Docker-Content-Digest")
	return got == "" || got == d.String()
}

// mountAnswer reports whether a 201 to a mount of d may be believed: its
// Docker-Content-Digest, when sent, is d.
func mountAnswer(resp *http.Response, d v1.Hash) bool {
	got := resp.Header.Get("Docker-Content-Digest")
	return resp.StatusCode == http.StatusCreated && (got == "" || got == d.String())
}

// hasBlob reports whether the repository holds blob d of size bytes (see
// wholeAnswer). A HEAD that fails, after the transport's retries, counts as
// absent: the HEAD only saves an upload, which then happens, and a
// registry that is really down fails that upload.
func (rc *repoClient) hasBlob(ctx context.Context, d v1.Hash, size int64) (bool, error) {
	return rc.has(ctx, "blobs/"+d.String(), nil, d, size)
}

// hasManifest reports whether the repository holds the manifest d of size
// bytes, as hasBlob does. A 401 or 403 counts as absent, as in ggcr (some
// registries answer 403 for a missing manifest); the push itself reports a
// real lack of permission.
func (rc *repoClient) hasManifest(ctx context.Context, d v1.Hash, size int64) (bool, error) {
	return rc.has(ctx, "manifests/"+d.String(), map[string]string{"Accept": acceptManifests}, d, size)
}

// has sends the HEAD of path and judges its answer (see hasBlob).
func (rc *repoClient) has(ctx context.Context, path string, header map[string]string, d v1.Hash, size int64) (bool, error) {
	resp, err := rc.do(ctx, http.MethodHead, rc.url(path), nil, header, http.StatusOK)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var ee *endpointError
	if errors.As(err, &ee) {
		return false, err // the host is gone: so will the upload be
	}
	if err != nil {
		return false, nil // 404, or a failure: upload
	}
	resp.Body.Close()
	return wholeAnswer(resp, d, size), nil
}
