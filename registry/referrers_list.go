package registry

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/lading-dev/lading/registry/oci"
)

// Referrers lists the referrers of the manifest d in repo (a repository,
// REGISTRY/NAME): through the referrers API, else, when it answers 404,
// through the tag schema's index at tag sha256-HEX. None is an empty list,
// not an error. artifactType, when not "", keeps only the referrers of
// that artifactType. What the registry answers is checked: each answer
// must be an OCI image index of at most oci.MaxIndexSize bytes (pages of
// the API, followed through Link headers, count together); an entry the
// API lists with no artifactType or the empty config's media type (ggcr's
// pkg/registry reports the config's media type, not the manifest's
// artifactType) is read to find it, and must name d as its subject. The
// list is sorted by artifactType, then digest.
func (c *Client) Referrers(ctx context.Context, repo string, d v1.Hash, artifactType string) ([]v1.Descriptor, error) {
	r, err := c.parseRepo(repo)
	if err != nil {
		return nil, fmt.Errorf("list referrers: %w", err)
	}
	rc, err := c.newRepoClient(ctx, c.base, r, []string{r.Scope(transport.PullScope)})
	if err != nil {
		return nil, fmt.Errorf("list referrers of %s in %s: %w", d, r, explain(err, r, "pull"))
	}
	list, err := rc.referrers(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("list referrers of %s in %s: %w", d, r, explain(err, r, "pull"))
	}
	out := []v1.Descriptor{}
	for _, m := range list {
		if artifactType == "" || m.ArtifactType == artifactType {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b v1.Descriptor) int {
		return cmp.Or(cmp.Compare(a.ArtifactType, b.ArtifactType), cmp.Compare(a.Digest.String(), b.Digest.String()))
	})
	return out, nil
}

// referrers lists d's referrers through the API, else the tag schema.
func (rc *repoClient) referrers(ctx context.Context, d v1.Hash) ([]v1.Descriptor, error) {
	list, found, err := rc.referrersAPI(ctx, d)
	if err != nil {
		return nil, err
	}
	if !found {
		im, err := rc.tagIndex(ctx, referrersTag(d))
		if err != nil {
			return nil, err
		}
		return im.Manifests, nil
	}
	for i, m := range list {
		if m.ArtifactType == "" || m.ArtifactType == emptyConfigType {
			if list[i].ArtifactType, err = rc.artifactType(ctx, m, d); err != nil {
				return nil, err
			}
		}
	}
	return list, nil
}

// artifactType reads the manifest desc names, checks that it is desc's
// and names subject, and returns its artifactType, else its config's
// media type.
func (rc *repoClient) artifactType(ctx context.Context, desc v1.Descriptor, subject v1.Hash) (string, error) {
	if err := oci.CheckDeclared(desc, oci.MaxIndexSize, "referrer manifest"); err != nil {
		return "", err
	}
	resp, err := rc.do(ctx, http.MethodGet, rc.url("manifests/"+desc.Digest.String()), nil,
		map[string]string{"Accept": string(desc.MediaType)}, http.StatusOK)
	if err != nil {
		return "", fmt.Errorf("read referrer %s: %w", desc.Digest, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, desc.Size+1))
	if err != nil {
		return "", fmt.Errorf("read referrer %s: %w", desc.Digest, err)
	}
	if err := oci.CheckBlob(raw, desc); err != nil {
		return "", fmt.Errorf("read referrer: %w", err)
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("parse referrer %s: %w", desc.Digest, err)
	}
	if m.Subject == nil || m.Subject.Digest != subject {
		return "", fmt.Errorf("the registry lists %s as a referrer of %s, but its manifest names another subject", desc.Digest, subject)
	}
	return cmp.Or(m.ArtifactType, string(m.Config.MediaType)), nil
}

// maxReferrerPages bounds the pages of one referrers API answer.
const maxReferrerPages = 64

// referrersAPI reads the referrers API's list for d, every page of it;
// found is false when the registry answers 404: it has no such API.
func (rc *repoClient) referrersAPI(ctx context.Context, d v1.Hash) (list []v1.Descriptor, found bool, err error) {
	u, budget := rc.url("referrers/"+d.String()), int64(oci.MaxIndexSize)
	list = []v1.Descriptor{}
	for page := 0; u != ""; page++ {
		if page == maxReferrerPages {
			return nil, false, fmt.Errorf("the referrers of %s run to more than %d pages", d, maxReferrerPages)
		}
		im, next, err := rc.getIndex(ctx, u, &budget)
		if page == 0 && NotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read referrers of %s: %w", d, err)
		}
		list, u = append(list, im.Manifests...), next
	}
	return list, true, nil
}

// tagIndex reads the index at tag; none (404) is an empty index.
func (rc *repoClient) tagIndex(ctx context.Context, tag string) (*v1.IndexManifest, error) {
	budget := int64(oci.MaxIndexSize)
	im, _, err := rc.getIndex(ctx, rc.url("manifests/"+tag), &budget)
	if NotFound(err) {
		return &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{}}, nil
	}
	if errors.Is(err, errNotIndex) {
		return nil, fmt.Errorf("read the referrers index at tag %s: %w; the referrers tag schema keeps an index there: move that tag away", tag, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read the referrers index at tag %s: %w", tag, err)
	}
	return im, nil
}

// getIndex GETs u, which must answer an OCI image index of at most budget
// bytes (budget is reduced by what is read), and returns it with the URL
// of the next page its Link header names, or "".
func (rc *repoClient) getIndex(ctx context.Context, u string, budget *int64) (*v1.IndexManifest, string, error) {
	resp, err := rc.do(ctx, http.MethodGet, u, nil, map[string]string{"Accept": string(types.OCIImageIndex)}, http.StatusOK)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, *budget+1))
	if err != nil {
		return nil, "", err
	}
	if int64(len(raw)) > *budget {
		return nil, "", fmt.Errorf("the answer is more than the %d bytes lading reads", oci.MaxIndexSize)
	}
	*budget -= int64(len(raw))
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct != "" && ct != string(types.OCIImageIndex) {
		return nil, "", fmt.Errorf("%w: it is a %s", errNotIndex, ct)
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, "", fmt.Errorf("parse the answer as an image index: %w", err)
	}
	if mt := cmp.Or(ct, string(im.MediaType)); mt != string(types.OCIImageIndex) {
		return nil, "", fmt.Errorf("%w: it is a %q", errNotIndex, mt)
	}
	next, err := nextLink(resp)
	return im, next, err
}

// errNotIndex is an answer that is not an OCI image index.
var errNotIndex = errors.New("the answer is not an OCI image index")

// nextLink is the URL of the next page that a paginated answer names in
// its Link header (`<URL>; rel="next"`), on the registry's own host, or "".
func nextLink(resp *http.Response) (string, error) {
	for _, v := range resp.Header.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			i, j := strings.Index(part, "<"), strings.Index(part, ">")
			rel := strings.ReplaceAll(strings.ToLower(part[max(j, 0):]), `"`, "")
			if i < 0 || j < i || !strings.Contains(rel, "rel=next") {
				continue
			}
			u, err := url.Parse(strings.TrimSpace(part[i+1 : j]))
			if err != nil {
				return "", fmt.Errorf("parse Link header: %w", err)
			}
			next := resp.Request.URL.ResolveReference(u)
			if !sameHost(resp.Request.URL, next) {
				return "", fmt.Errorf("the registry %s names its next page on another host, %s", resp.Request.URL.Host, next.Host)
			}
			return next.String(), nil
		}
	}
	return "", nil
}
