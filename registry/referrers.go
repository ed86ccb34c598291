package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/lading-dev/lading/registry/oci"
)

// How PushReferrers made an artifact findable (ReferrerResult.Via).
const (
	// ViaAPI: the registry's referrers API (GET /v2/NAME/referrers/DIGEST)
	// lists the artifact.
	ViaAPI = "api"
	// ViaTag: the distribution spec's referrers tag schema: the image
	// index at tag sha256-HEX (of the subject) lists the artifact.
	ViaTag = "tag"
)

// ReferrerResult is one artifact PushReferrers attached to its subject.
type ReferrerResult struct {
	Digest       v1.Hash `json:"digest"`
	ArtifactType string  `json:"artifactType"`
	Via          string  `json:"via"` // ViaAPI or ViaTag
}

// emptyConfigType is the media type of the empty config of OCI 1.1
// artifacts, which no referrer's artifactType may be.
const emptyConfigType = "application/vnd.oci.empty.v1+json"

// tagRounds bounds the read, merge, put and re-read rounds of the tag
// schema when a concurrent writer keeps dropping our entries.
const tagRounds = 3

// PushReferrers pushes each artifact (an OCI image manifest whose subject
// is subject; an SBOM, an attestation) to repo by digest, after checking
// that subject is in repo, and makes each findable as a referrer of
// subject (distribution-spec v1.1). Which way is decided by what the
// registry answers, then verified:
//
//   - the referrers API, when the registry answered a manifest PUT with
//     OCI-Subject or answers GET /v2/NAME/referrers/DIGEST with an index:
//     the registry indexes referrers itself when they are pushed, so that
//     list must then name every artifact, or PushReferrers fails saying so;
//     it is read once, not polled. A registry that serves the API without
//     sending OCI-Subject (ggcr's pkg/registry) gets no fallback tag:
//     clients read the API first and would never read it.
//   - the tag schema, when that GET answers 404 (Debian's docker-registry
//     2.8.2 and distribution's registry 3.1.2 do): the OCI image index at tag sha256-HEX of
//     the subject gets each artifact's descriptor (media type, digest,
//     size, artifactType, the manifest's annotations), after the
//     descriptors already there, which are kept; one already listed is not
//     added again. The index is PUT back, then read again, and must list
//     every artifact.
//
// Sharp edge of the tag schema: it is a read-modify-write without a lock
// (distribution honours no If-Match), so a concurrent writer that read the
// index before our PUT and writes after it drops our entries. The re-read
// catches that when it happens first, and PushReferrers merges again, up
// to tagRounds times; a concurrent writer that overwrites after our
// re-read is not seen. Two pushes of the same image attach the same
// artifacts (lading's are deterministic), so their race loses nothing.
//
// subject needs its digest and size (a HEAD checks both). Results are in
// the order of artifacts. WithPushTimeout bounds each
// artifact's push; the requests around them have the client's retries.
func (c *Client) PushReferrers(ctx context.Context, repo string, subject v1.Descriptor, artifacts []v1.Image) ([]ReferrerResult, error) {
	r, err := c.parseRepo(repo)
	if err != nil {
		return nil, fmt.Errorf("push referrers: %w", err)
	}
	descs, err := describeReferrers(subject.Digest, artifacts)
	if err != nil {
		return nil, fmt.Errorf("push referrers to %s: %w", r, err)
	}
	if len(descs) == 0 {
		return []ReferrerResult{}, nil
	}
	rc, err := c.newRepoClient(ctx, c.base, r, []string{r.Scope(transport.PushScope)})
	if err != nil {
		return nil, fmt.Errorf("push referrers to %s: %w", r, explain(err, r, "push"))
	}
	ok, err := rc.hasManifest(ctx, subject.Digest, subject.Size)
	if err != nil {
		return nil, fmt.Errorf("push referrers to %s: %w", r, explain(err, r, "push"))
	}
	if !ok {
		return nil, fmt.Errorf("push referrers to %s: their subject %s is not in the repository; push the image first", r, subject.Digest)
	}
	said := false
	for i, a := range artifacts {
		res, err := c.Push(ctx, a, []string{r.Name() + "@" + descs[i].Digest.String()})
		if err != nil {
			return nil, fmt.Errorf("push referrer %s of %s: %w", descs[i].Digest, subject.Digest, err)
		}
		said = said || res.Refs[0].ociSubject == subject.Digest.String()
	}
	via, err := rc.attach(ctx, subject.Digest, descs, said)
	if err != nil {
		return nil, fmt.Errorf("attach referrers of %s in %s: %w", subject.Digest, r, explain(err, r, "push"))
	}
	out := make([]ReferrerResult, len(descs))
	for i, d := range descs {
		out[i] = ReferrerResult{Digest: d.Digest, ArtifactType: d.ArtifactType, Via: via}
		c.o.logger.Debug("attached referrer", "repository", r.String(), "subject", subject.Digest.String(),
			"digest", d.Digest.String(), "artifactType", d.ArtifactType, "via", via)
	}
	return out, nil
}

// describeReferrers describes artifacts as referrers of subject, which
// each must name.
func describeReferrers(subject v1.Hash, artifacts []v1.Image) ([]v1.Descriptor, error) {
	descs := make([]v1.Descriptor, len(artifacts))
	for i, a := range artifacts {
		desc, s, err := oci.ReferrerDescriptor(a)
		if err != nil {
			return nil, err
		}
		if s.Digest != subject {
			return nil, fmt.Errorf("artifact %s names subject %s, not %s", desc.Digest, s.Digest, subject)
		}
		descs[i] = desc
	}
	return descs, nil
}

// attach makes descs, pushed by digest, findable as referrers of subject
// and says how (see PushReferrers); said is whether the registry answered
// a PUT with OCI-Subject.
func (rc *repoClient) attach(ctx context.Context, subject v1.Hash, descs []v1.Descriptor, said bool) (string, error) {
	listed, found, err := rc.referrersAPI(ctx, subject)
	switch {
	case err != nil:
		return "", err
	case found:
		if missing := missingFrom(listed, descs); len(missing) > 0 {
			return "", fmt.Errorf("the registry's referrers API does not list %s, pushed with that subject; "+
				"the registry does not index referrers as distribution-spec v1.1 requires (report it to its operators)", strings.Join(missing, ", "))
		}
		return ViaAPI, nil
	case said:
		return "", fmt.Errorf("the registry answered OCI-Subject, saying it indexes referrers, but GET referrers/%s answered 404", subject)
	}
	return ViaTag, rc.attachByTag(ctx, subject, descs)
}

// attachByTag adds descs to the index at subject's referrers tag and
// checks, by reading it again, that they stayed (see PushReferrers).
func (rc *repoClient) attachByTag(ctx context.Context, subject v1.Hash, descs []v1.Descriptor) error {
	tag := referrersTag(subject)
	for round := 1; ; round++ {
		im, err := rc.tagIndex(ctx, tag)
		if err != nil {
			return err
		}
		if missing := missingFrom(im.Manifests, descs); len(missing) > 0 {
			if err := rc.putTagIndex(ctx, tag, im, descs); err != nil {
				return err
			}
		}
		if im, err = rc.tagIndex(ctx, tag); err != nil {
			return err
		}
		missing := missingFrom(im.Manifests, descs)
		if len(missing) == 0 {
			return nil
		}
		if round == tagRounds {
			return fmt.Errorf("the index at tag %s still lacks %s after %d rounds: another writer replaced it each time "+
				"(the referrers tag schema has no lock); push again", tag, strings.Join(missing, ", "), tagRounds)
		}
	}
}

// putTagIndex PUTs at tag the index im plus those of descs it lacks.
func (rc *repoClient) putTagIndex(ctx context.Context, tag string, im *v1.IndexManifest, descs []v1.Descriptor) error {
	out := *im
	out.SchemaVersion, out.MediaType = 2, types.OCIImageIndex
	out.Manifests = slices.Clone(im.Manifests)
	for _, d := range descs {
		if !slices.ContainsFunc(out.Manifests, func(m v1.Descriptor) bool { return m.Digest == d.Digest }) {
			out.Manifests = append(out.Manifests, d)
		}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode the index of tag %s: %w", tag, err)
	}
	if _, err := rc.putRawManifest(ctx, tag, raw, types.OCIImageIndex); err != nil {
		return fmt.Errorf("put the index of tag %s: %w", tag, err)
	}
	return nil
}

// referrersTag is the tag of the referrers tag schema for d: "sha256-HEX".
func referrersTag(d v1.Hash) string { return d.Algorithm + "-" + d.Hex }

// missingFrom lists the digests of want that listed lacks.
func missingFrom(listed, want []v1.Descriptor) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(listed, func(m v1.Descriptor) bool { return m.Digest == w.Digest }) {
			out = append(out, w.Digest.String())
		}
	}
	return out
}
