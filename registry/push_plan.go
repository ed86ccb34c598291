package registry

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/registry/oci"
)

// annotationBaseName is the image-spec annotation naming an image's base;
// when it is a reference on the registry pushed to, the base's layers are
// mounted from it rather than uploaded.
const annotationBaseName = "org.opencontainers.image.base.name"

// pushPlan is an artifact laid out for pushing: its manifests, children
// first (post-order, from oci.Walk), each image's blobs, and where base layers may be
// mounted from.
type pushPlan struct {
	top    oci.Artifact
	digest v1.Hash
	nodes  []planNode // every manifest, children before parents; top last
}

// planNode is one manifest: an image (with its blobs) or an index.
type planNode struct {
	a        oci.Artifact
	digest   v1.Hash
	platform string     // from the parent index's descriptor, or the config
	layers   []v1.Layer // an image's layers
	config   v1.Layer   // an image's config, as a blob
	base     string     // the base.name annotation of the image or its index
}

func newPushPlan(a oci.Artifact) (*pushPlan, error) {
	if a == nil {
		return nil, fmt.Errorf("nothing to push")
	}
	d, err := a.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest artifact: %w", err)
	}
	p := &pushPlan{top: a, digest: d}
	err = oci.Walk(a, func(n *oci.Node) error {
		p.nodes = append(p.nodes, planNode{a: n.Artifact, digest: n.Digest, platform: n.Platform,
			layers: n.Layers, config: n.Config, base: baseName(n)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("plan push: %w", err)
	}
	return p, nil
}

// baseName is the base.name annotation of n or of the nearest index above
// it that has one.
func baseName(n *oci.Node) string {
	for ; n != nil; n = n.Parent {
		if b := n.Annotations[annotationBaseName]; b != "" {
			return b
		}
	}
	return ""
}

// mountSource is the reference n's base layers may be mounted from when
// pushing to repo: its base, if that is another repository of repo's
// registry.
func (n planNode) mountSource(repo name.Repository) (name.Reference, bool) {
	if n.base == "" {
		return nil, false
	}
	ref, err := name.ParseReference(n.base)
	if err != nil || !sameRegistryOtherRepo(ref.Context(), repo) {
		return nil, false
	}
	return ref, true
}

// mountSources lists every repository a push to repo may mount from, for
// the token's pull scopes.
func (p *pushPlan) mountSources(repo name.Repository) []name.Repository {
	var out []name.Repository
	seen := map[string]bool{}
	for _, n := range p.nodes {
		for _, l := range n.layers {
			if src := mountFrom(l, n, repo, true); src != nil && !seen[src.String()] {
				seen[src.String()] = true
				out = append(out, *src)
			}
		}
	}
	return out
}
