package builder

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/builder/attest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

// Pusher pushes an image or index to registry references, and the
// documents that refer to it; cmd passes the registry client, the same one
// that pulls registry bases.
type Pusher interface {
	Push(ctx context.Context, a oci.Artifact, refs []string) (*registry.PushResult, error)
	// PushReferrers pushes artifacts whose subject is subject into repo
	// and makes them findable (referrers API, else the tag fallback).
	PushReferrers(ctx context.Context, repo string, subject v1.Descriptor, artifacts []v1.Image) ([]registry.ReferrerResult, error)
	// Pull reads an image or index; a missing one is an error for which
	// registry.NotFound is true.
	Pull(ctx context.Context, ref string) (oci.Artifact, error)
}

// PushedReferrer is one document pushed beside the image: an SBOM or
// provenance artifact, or a cosign signature or attestation image.
type PushedReferrer struct {
	Repository string  `json:"repository"`
	Subject    v1.Hash `json:"subject"`
	Kind       string  `json:"kind"`
	Digest     v1.Hash `json:"digest"`
	// Via says how it is found: "api" (the referrers API), "tag" (the
	// sha256-<hex> tag fallback), or the cosign tag it is at.
	Via string `json:"via"`
}

// pushAll pushes the artifact, once the local outputs are written: first
// its content by digest to every repository, then the documents that refer
// to it and the signatures, and only then the tags, so a tag never names
// an image whose attestations or signatures a failed push left out.
func pushAll(ctx context.Context, req Request, art product, refs []referrer, res *Result) error {
	a := art.value()
	d, err := a.Digest()
	if err != nil {
		return err
	}
	repos, err := tagRepositories(req.Tags)
	if err != nil {
		return err
	}
	var first *registry.PushResult
	if len(refs) > 0 || req.Attest.Signer != nil {
		byDigest := make([]string, len(repos))
		for i, repo := range repos {
			byDigest[i] = repo + "@" + d.String()
		}
		if first, err = req.Pusher.Push(ctx, a, byDigest); err != nil {
			return err
		}
		for _, repo := range repos {
			pushed, err := pushReferrers(ctx, req, art, repo, refs)
			res.Referrers = append(res.Referrers, pushed...)
			if err != nil {
				return fmt.Errorf("push to %s: %w", repo, err)
			}
		}
	}
	pushed, err := req.Pusher.Push(ctx, a, req.Tags)
	if err != nil {
		return err
	}
	if first != nil {
		pushed.Manifests, pushed.Blobs = first.Manifests, first.Blobs
	}
	res.Pushed = pushed
	for _, r := range pushed.Refs {
		res.Outputs = append(res.Outputs, Written{Kind: Registry, Path: r.Repository, Ref: r.Ref, Digest: r.Digest})
	}
	return nil
}

// PushWithReferrers pushes a to refs with the documents attached to it
// (OCI 1.1 artifacts whose subject is a or one of its manifests, as a
// layout or oci-archive lading wrote holds them), in the order a build
// pushes: content by digest, then the documents, then the tags. With a
// signer, every manifest and the index are signed, and each SBOM and
// provenance attested, as a build with --sign-key does.
func PushWithReferrers(ctx context.Context, p Pusher, a oci.Artifact, attached []v1.Image, refs []string, signer Signer, logger *slog.Logger) (*registry.PushResult, []PushedReferrer, error) {
	var art product
	switch a := a.(type) {
	case v1.ImageIndex:
		art.index = a
	case v1.Image:
		art.image = a
	default:
		return nil, nil, fmt.Errorf("push: %T is neither an image nor an index", a)
	}
	platforms := subjectPlatforms(art)
	rs := make([]referrer, 0, len(attached))
	for _, img := range attached {
		r, err := attachedReferrer(img, refs, signer != nil)
		if err != nil {
			return nil, nil, err
		}
		r.platform = platforms[r.subject.Digest]
		rs = append(rs, r)
	}
	res := &Result{}
	err := pushAll(ctx, Request{Pusher: p, Tags: refs, Logger: logger, Attest: Attest{Signer: signer}}, art, rs, res)
	return res.Pushed, res.Referrers, err
}

// subjectPlatforms names the platform of each platform image of art by
// digest (the index itself has none), for the progress lines.
func subjectPlatforms(art product) map[v1.Hash]string {
	out := map[v1.Hash]string{}
	if art.image != nil {
		d, err := art.image.Digest()
		cf, cerr := art.image.ConfigFile()
		if err == nil && cerr == nil && cf.Platform() != nil {
			out[d] = platformString(*cf.Platform())
		}
		return out
	}
	if im, err := art.index.IndexManifest(); err == nil {
		for _, m := range im.Manifests {
			if m.Platform != nil {
				out[m.Digest] = platformString(*m.Platform)
			}
		}
	}
	return out
}

// attachedReferrer reads an attached artifact back into a referrer; with
// statements, it also reads the in-toto statement a signer attests: the
// provenance as it is, an SBOM wrapped in one.
func attachedReferrer(img v1.Image, refs []string, statements bool) (referrer, error) {
	_, subject, err := oci.ReferrerDescriptor(img)
	if err != nil {
		return referrer{}, err
	}
	m, err := img.Manifest()
	if err != nil {
		return referrer{}, err
	}
	r := referrer{subject: subject, kind: referrerSBOM, artifact: img}
	switch m.ArtifactType {
	case attest.MediaTypeInToto:
		r.kind = referrerProvenance
	case attest.MediaTypeSPDX:
	default:
		r.kind = string(m.ArtifactType) // pushed beside the image, not attested
		return r, nil
	}
	if !statements {
		return r, nil
	}
	doc, err := attest.Document(img)
	if err != nil {
		return r, fmt.Errorf("attached %s of %s: %w", r.kind, subject.Digest, err)
	}
	if r.kind == referrerProvenance {
		r.statement = doc
		return r, nil
	}
	r.statement, err = attest.SBOMStatement(imageName(refs), subject.Digest, doc)
	return r, err
}

// tagRepositories lists the distinct repositories of tags, in order.
func tagRepositories(tags []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		ref, err := name.ParseReference(t, name.WeakValidation)
		if err != nil {
			return nil, fmt.Errorf("tag %q: %w", t, err)
		}
		if repo := ref.Context().Name(); !seen[repo] {
			seen[repo] = true
			out = append(out, repo)
		}
	}
	return out, nil
}

// pushReferrers attaches refs in repo, grouped by subject in the order
// made, then signs every manifest and the index and attests the documents
// when there is a signer.
func pushReferrers(ctx context.Context, req Request, art product, repo string, refs []referrer) ([]PushedReferrer, error) {
	var out []PushedReferrer
	for _, group := range bySubject(refs) {
		artifacts := referrerArtifacts(group)
		got, err := req.Pusher.PushReferrers(ctx, repo, group[0].subject, artifacts)
		if err != nil {
			return out, err
		}
		for i, r := range got {
			out = append(out, PushedReferrer{Repository: repo, Subject: group[0].subject.Digest, Kind: group[i].kind, Digest: r.Digest, Via: r.Via})
			req.Logger.Info("attached", "kind", group[i].kind, "platform", group[i].platform, "repository", repo, "digest", r.Digest.String(), "via", r.Via)
		}
	}
	if req.Attest.Signer == nil {
		return out, nil
	}
	subjects, err := signSubjects(art)
	if err != nil {
		return out, err
	}
	for _, s := range subjects {
		signed, err := signOne(ctx, req, repo, s, statementsFor(refs, s))
		out = append(out, signed...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// bySubject groups refs by subject digest, keeping the order made.
func bySubject(refs []referrer) [][]referrer {
	var out [][]referrer
	at := map[v1.Hash]int{}
	for _, r := range refs {
		i, ok := at[r.subject.Digest]
		if !ok {
			i = len(out)
			at[r.subject.Digest] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

// signSubjects lists every manifest a signer signs: each platform image,
// then the index.
func signSubjects(art product) ([]v1.Hash, error) {
	if art.index == nil {
		d, err := art.image.Digest()
		return []v1.Hash{d}, err
	}
	im, err := art.index.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []v1.Hash
	for _, m := range im.Manifests {
		out = append(out, m.Digest)
	}
	d, err := art.index.Digest()
	return append(out, d), err
}

// statementsFor lists the in-toto statements about subject d.
func statementsFor(refs []referrer, d v1.Hash) [][]byte {
	var out [][]byte
	for _, r := range refs {
		if r.subject.Digest == d && len(r.statement) > 0 {
			out = append(out, r.statement)
		}
	}
	return out
}

// signOne pushes subject d's cosign signature, and its attestations when
// there are statements, to their tags in repo, keeping what those tags
// already hold.
func signOne(ctx context.Context, req Request, repo string, d v1.Hash, statements [][]byte) ([]PushedReferrer, error) {
	var out []PushedReferrer
	put := func(kind, tag string, mk func(existing v1.Image) (v1.Image, error)) error {
		ref := repo + ":" + tag
		existing, err := SignatureImage(ctx, req.Pusher, ref)
		if err != nil {
			return err
		}
		img, err := mk(existing)
		if err != nil {
			return fmt.Errorf("%s for %s: %w", kind, d, err)
		}
		pushed, err := req.Pusher.Push(ctx, img, []string{ref})
		if err != nil {
			return err
		}
		out = append(out, PushedReferrer{Repository: repo, Subject: d, Kind: kind, Digest: pushed.Digest, Via: tag})
		req.Logger.Info("signed", "kind", kind, "subject", d.String(), "ref", ref)
		return nil
	}
	s := req.Attest.Signer
	if err := put("signature", signatureTag(d, ".sig"), func(e v1.Image) (v1.Image, error) { return s.SignImage(d, repo, e) }); err != nil {
		return out, err
	}
	if len(statements) == 0 {
		return out, nil
	}
	err := put("attestations", signatureTag(d, ".att"), func(e v1.Image) (v1.Image, error) { return s.Attest(d, statements, e) })
	return out, err
}

// signatureTag is cosign's tag for subject d's signatures (.sig) or
// attestations (.att): sha256-<hex><suffix>.
func signatureTag(d v1.Hash, suffix string) string {
	return d.Algorithm + "-" + d.Hex + suffix
}

// SignatureImage pulls the cosign signature or attestation image at ref
// (a .sig or .att tag); nil when there is none.
func SignatureImage(ctx context.Context, p Pusher, ref string) (v1.Image, error) {
	a, err := p.Pull(ctx, ref)
	if registry.NotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	img, ok := a.(v1.Image)
	if !ok {
		return nil, fmt.Errorf("%s is an index, not a cosign signature image; move the tag away or delete it", ref)
	}
	return img, nil
}
