package registry

import (
	"context"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// resendRounds bounds how often one manifest PUT is answered
// MANIFEST_BLOB_UNKNOWN and followed by uploading its blobs again.
const resendRounds = 2

// putNode PUTs n's manifest at ref (a tag or a digest). When the registry
// refuses it because it lacks what the manifest names, although a HEAD said
// it was there (issue 9: an intermediary's whole-looking 200), putNode
// uploads those blobs again (the ones the error names, else all of n's)
// without asking first, or puts an index's child manifests again, then
// tries once more, at most resendRounds times. A refused PUT moved no tag,
// so tags still only ever name complete images. It returns the answer's
// OCI-Subject header (see putManifest).
func (r *pushRun) putNode(ctx context.Context, rc *repoClient, ref string, n planNode) (string, error) {
	for round := 0; ; round++ {
		subject, err := rc.putManifest(ctx, ref, n.a)
		named, lacking := lacksContent(err, n)
		if !lacking || round >= resendRounds {
			return subject, err
		}
		r.c.o.logger.Info("registry lacks content of a manifest; sending it again", "repository", rc.repo.String(),
			"manifest", n.digest.String(), "named", len(named), "round", round+1, "of", resendRounds)
		if err := r.resend(ctx, rc, n, named); err != nil {
			return "", fmt.Errorf("send again what %s names: %w", n.digest, err)
		}
	}
}

// resend puts into rc's repository again the blobs (of an image) or child
// manifests (of an index) named, or all of them when named is empty.
func (r *pushRun) resend(ctx context.Context, rc *repoClient, n planNode, named map[v1.Hash]bool) error {
	if n.config != nil {
		return r.uploadBlobs(ctx, rc, []planNode{n}, pick(named, n.blobDigests()))
	}
	for _, c := range r.plan.children(n) {
		if len(named) == 0 || named[c.digest] {
			if _, err := r.putNode(ctx, rc, c.digest.String(), c); err != nil {
				return err
			}
		}
	}
	return nil
}

// pick is the set of named that are among all, or all when none is.
func pick(named map[v1.Hash]bool, all []v1.Hash) map[v1.Hash]bool {
	out := map[v1.Hash]bool{}
	for _, d := range all {
		if named[d] {
			out[d] = true
		}
	}
	if len(out) == 0 {
		for _, d := range all {
			out[d] = true
		}
	}
	return out
}

// lacksContent reports whether err is a registry's refusal of n's manifest
// for content it lacks (MANIFEST_BLOB_UNKNOWN; for an index also
// MANIFEST_UNKNOWN, which ggcr's registry sends), and which digests its
// details name: a digest string (distribution) or {"digest": …}.
func lacksContent(err error, n planNode) (map[v1.Hash]bool, bool) {
	var te *transport.Error
	if !errors.As(err, &te) {
		return nil, false
	}
	named, lacking := map[v1.Hash]bool{}, false
	for _, d := range te.Errors {
		if d.Code == transport.ManifestBlobUnknownErrorCode || d.Code == transport.ManifestUnknownErrorCode && n.config == nil {
			lacking = true
			if h, ok := detailDigest(d.Detail); ok {
				named[h] = true
			}
		}
	}
	return named, lacking
}

// detailDigest reads a digest from an error's detail, if it holds one.
func detailDigest(detail any) (v1.Hash, bool) {
	s, _ := detail.(string)
	if m, ok := detail.(map[string]any); ok {
		s, _ = m["digest"].(string)
	}
	h, err := v1.NewHash(s)
	return h, err == nil
}

// blobDigests lists the digests of an image node's layers and config.
func (n planNode) blobDigests() []v1.Hash {
	var out []v1.Hash
	for _, l := range append(append([]v1.Layer{}, n.layers...), n.config) {
		if d, err := l.Digest(); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// children lists the plan's nodes for the manifests index node n names.
func (p *pushPlan) children(n planNode) []planNode {
	idx, ok := n.a.(v1.ImageIndex)
	if !ok {
		return nil
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil
	}
	var out []planNode
	for _, desc := range im.Manifests {
		for _, c := range p.nodes {
			if c.digest == desc.Digest {
				out = append(out, c)
				break
			}
		}
	}
	return out
}
