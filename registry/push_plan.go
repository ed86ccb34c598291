package registry

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// annotationBaseName is the image-spec annotation naming an image's base;
// when it is a reference on the registry pushed to, the base's layers are
// mounted from it rather than uploaded.
const annotationBaseName = "org.opencontainers.image.base.name"

// pushPlan is an artifact laid out for pushing: its manifests children
// first (post-order), each image's blobs, and where base layers may be
// mounted from.
type pushPlan struct {
	top    Artifact
	digest v1.Hash
	nodes  []planNode // every manifest, children before parents; top last
}

// planNode is one manifest: an image (with its blobs) or an index.
type planNode struct {
	a        Artifact
	digest   v1.Hash
	platform string     // from the parent index's descriptor, or the config
	layers   []v1.Layer // an image's layers
	config   v1.Layer   // an image's config, as a blob
	base     string     // the base.name annotation of the image or its index
}

func newPushPlan(a Artifact) (*pushPlan, error) {
	if a == nil {
		return nil, fmt.Errorf("nothing to push")
	}
	d, err := a.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest artifact: %w", err)
	}
	p := &pushPlan{top: a, digest: d}
	if err := p.add(a, "", ""); err != nil {
		return nil, err
	}
	return p, nil
}

// add appends a's children, then a itself.
func (p *pushPlan) add(a Artifact, platform, base string) error {
	n := planNode{a: a, platform: platform, base: base}
	var err error
	if n.digest, err = a.Digest(); err != nil {
		return fmt.Errorf("digest manifest: %w", err)
	}
	if b := annotations(a)[annotationBaseName]; b != "" {
		n.base = b
	}
	switch a := a.(type) {
	case v1.Image:
		err = n.addImage(a)
	case v1.ImageIndex:
		err = p.addChildren(a, n.base)
	default:
		err = fmt.Errorf("cannot push %T: not an image or an index", a)
	}
	if err != nil {
		return err
	}
	p.nodes = append(p.nodes, n)
	return nil
}

// addImage records an image's blobs and, when no index said so, platform.
func (n *planNode) addImage(img v1.Image) error {
	layers, err := img.Layers()
	if err != nil {
		return fmt.Errorf("list layers of %s: %w", n.digest, err)
	}
	cfg, err := partial.ConfigLayer(img)
	if err != nil {
		return fmt.Errorf("read config of %s: %w", n.digest, err)
	}
	n.layers, n.config = layers, cfg
	if cf, err := img.ConfigFile(); n.platform == "" && err == nil && cf.Platform() != nil {
		n.platform = cf.Platform().String()
	}
	return nil
}

// addChildren adds every manifest an index names, in index order.
func (p *pushPlan) addChildren(idx v1.ImageIndex, base string) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	children, err := partial.Manifests(idx)
	if err != nil {
		return fmt.Errorf("list index manifests: %w", err)
	}
	for i, c := range children {
		a, ok := c.(Artifact)
		if !ok {
			return fmt.Errorf("index entry %s is not an image or an index", im.Manifests[i].Digest)
		}
		platform := ""
		if pl := im.Manifests[i].Platform; pl != nil {
			platform = pl.String()
		}
		if err := p.add(a, platform, base); err != nil {
			return err
		}
	}
	return nil
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

// annotations reads a manifest's annotations, or none.
func annotations(a Artifact) map[string]string {
	switch a := a.(type) {
	case v1.Image:
		if m, err := a.Manifest(); err == nil {
			return m.Annotations
		}
	case v1.ImageIndex:
		if m, err := a.IndexManifest(); err == nil {
			return m.Annotations
		}
	}
	return nil
}
