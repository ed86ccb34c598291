package oci

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
)

// Node is one manifest met by Walk: an image with its config and layers, or
// an index.
type Node struct {
	Artifact Artifact
	Digest   v1.Hash
	// Parent is the index that named this manifest; nil for the top.
	Parent *Node
	// Platform comes from the parent index's descriptor, else (for an
	// image) from its config; "" when neither says.
	Platform string
	// Annotations are the manifest's own.
	Annotations map[string]string
	// Config and Layers are an image's blobs (the config as a layer, so its
	// bytes can be read as a blob); nil for an index.
	Config v1.Layer
	Layers []v1.Layer
}

// Walk visits a and every manifest it names, children before their parent
// (post-order), in index order, each digest once. It is the one walk over an
// image graph: layouts, archives and pushes all list blobs through it. An
// index that names itself, directly or through a child, is an error, not
// endless recursion.
func Walk(a Artifact, visit func(*Node) error) error {
	w := walker{visit: visit, done: map[v1.Hash]bool{}, open: map[v1.Hash]bool{}}
	return w.walk(a, nil, "")
}

type walker struct {
	visit func(*Node) error
	done  map[v1.Hash]bool // visited
	open  map[v1.Hash]bool // on the path from the top: a cycle if met again
}

func (w *walker) walk(a Artifact, parent *Node, platform string) error {
	d, err := a.Digest()
	if err != nil {
		return fmt.Errorf("digest manifest: %w", err)
	}
	if w.open[d] {
		return fmt.Errorf("index %s names itself: the image graph has a cycle", d)
	}
	if w.done[d] {
		return nil
	}
	n := &Node{Artifact: a, Digest: d, Parent: parent, Platform: platform}
	w.open[d] = true
	switch a := a.(type) {
	case v1.Image:
		err = n.image(a)
	case v1.ImageIndex:
		err = w.children(n, a)
	default:
		err = fmt.Errorf("manifest %s: %T is not an image or an index", d, a)
	}
	delete(w.open, d)
	if err != nil {
		return err
	}
	w.done[d] = true
	return w.visit(n)
}

// image records an image's annotations, blobs and, when no index said so,
// platform.
func (n *Node) image(img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("read manifest %s: %w", n.Digest, err)
	}
	n.Annotations = m.Annotations
	if n.Layers, err = img.Layers(); err != nil {
		return fmt.Errorf("list layers of %s: %w", n.Digest, err)
	}
	if n.Config, err = partial.ConfigLayer(img); err != nil {
		return fmt.Errorf("read config of %s: %w", n.Digest, err)
	}
	if cf, err := img.ConfigFile(); n.Platform == "" && err == nil && cf.Platform() != nil {
		n.Platform = cf.Platform().String()
	}
	return nil
}

// children walks every manifest an index names, in index order.
func (w *walker) children(n *Node, idx v1.ImageIndex) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return fmt.Errorf("read index %s: %w", n.Digest, err)
	}
	n.Annotations = im.Annotations
	children, err := partial.Manifests(idx)
	if err != nil {
		return fmt.Errorf("list manifests of index %s: %w", n.Digest, err)
	}
	for i, c := range children {
		a, ok := c.(Artifact)
		if !ok {
			return fmt.Errorf("index %s entry %s is not an image or an index", n.Digest, im.Manifests[i].Digest)
		}
		platform := ""
		if pl := im.Manifests[i].Platform; pl != nil {
			platform = pl.String()
		}
		if err := w.walk(a, n, platform); err != nil {
			return err
		}
	}
	return nil
}
