package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/lading-dev/lading/registry/oci"
)

// PushResult describes what a Push sent: the --metadata-file document.
type PushResult struct {
	Digest    v1.Hash         `json:"digest"`
	MediaType types.MediaType `json:"mediaType"`
	// Refs lists each reference pushed, in the order given.
	Refs []PushedRef `json:"refs"`
	// Manifests lists each platform's image manifest in each repository.
	Manifests []PushedManifest `json:"manifests"`
	Blobs     BlobCounts       `json:"blobs"`
}

// PushedRef is one reference that now names the artifact.
type PushedRef struct {
	Ref        string  `json:"ref"`
	Repository string  `json:"repository"`
	Digest     v1.Hash `json:"digest"`
	// ociSubject is the OCI-Subject header the registry answered the PUT
	// at Ref with: set by a registry with the referrers API when the
	// manifest has a subject (PushReferrers reads it).
	ociSubject string
}

// Line is the stdout line for r: REPO@sha256:….
func (r PushedRef) Line() string { return r.Repository + "@" + r.Digest.String() }

// PushedManifest is one platform's image manifest in one repository.
type PushedManifest struct {
	Repository string  `json:"repository"`
	Platform   string  `json:"platform,omitempty"`
	Digest     v1.Hash `json:"digest"`
}

// BlobCounts counts what happened to each blob (layers and configs) in
// each repository. A push of an image the repository already holds has
// all zeros: it only puts tags.
type BlobCounts struct {
	Uploaded      int   `json:"uploaded"`
	Mounted       int   `json:"mounted"`
	Existing      int   `json:"existing"`
	UploadedBytes int64 `json:"uploadedBytes"`
}

// Push sends a (an image or an index) to every reference in refs (tags or
// digests, in any repositories and registries), and returns what it sent.
//
// Order is the contract: in every repository, each blob is in place before
// the manifest that names it, each platform manifest before the index;
// the tags are put last, after every repository has everything. So a
// failed or cancelled push leaves each tag where it was or on the complete
// image, never on a manifest whose blobs are missing. Blobs the repository
// has are not sent (HEAD first), and a manifest it has is not descended
// into; base layers from another repository of the same registry are
// mounted; blobs upload WithPushJobs at a time; further tags are manifest
// PUTs only. When ctx is cancelled the error wraps context.Canceled.
func (c *Client) Push(ctx context.Context, a oci.Artifact, refs []string) (*PushResult, error) {
	if len(refs) == 0 {
		return nil, errors.New("push: no reference to push to")
	}
	plan, err := newPushPlan(a)
	if err != nil {
		return nil, fmt.Errorf("push: %w", err)
	}
	parsed, err := c.parseRefs(refs, plan.digest)
	if err != nil {
		return nil, err
	}
	parent := ctx
	if c.o.pushTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.pushTimeout)
		defer cancel()
	}
	run := c.newPushRun(plan)
	defer run.stop()
	res, err := run.push(ctx, parsed)
	if err != nil && parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("push timed out after %v (raise the push timeout): %w", c.o.pushTimeout, err)
	}
	return res, err
}

// parseRefs parses every reference before anything is sent; a digest
// reference must name the artifact's digest.
func (c *Client) parseRefs(refs []string, d v1.Hash) ([]name.Reference, error) {
	out := make([]name.Reference, 0, len(refs))
	for _, s := range refs {
		ref, err := c.parseRef(s)
		if err != nil {
			return nil, fmt.Errorf("push: %w", err)
		}
		if dr, ok := ref.(name.Digest); ok && dr.DigestStr() != d.String() {
			return nil, fmt.Errorf("push %s: the image's digest is %s", s, d)
		}
		out = append(out, ref)
	}
	return out, nil
}

// repositories lists the distinct repositories of refs, in order.
func repositories(refs []name.Reference) []name.Repository {
	var out []name.Repository
	seen := map[string]bool{}
	for _, r := range refs {
		if repo := r.Context(); !seen[repo.String()] {
			seen[repo.String()] = true
			out = append(out, repo)
		}
	}
	return out
}
