package inspect

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
)

// Tree returns img's merged file tree, sorted by path: every layer's
// entries laid over the ones below, whiteouts applied, each entry naming
// the layer it comes from. Layers stream one at a time and are verified;
// only headers are kept.
func Tree(img v1.Image) ([]File, error) {
	layers, err := imageLayers(img)
	if err != nil {
		return nil, err
	}
	t := map[string]File{}
	for i, l := range layers {
		files, err := readLayer(l, i+1, false)
		if err != nil {
			return nil, err
		}
		if err := overlay(t, files); err != nil {
			return nil, fmt.Errorf("read layer %d (%s): %w", i+1, l.Digest, err)
		}
	}
	return sortedFiles(t), nil
}

// LayerFiles returns the entries of img's layer n (from 1) as stored,
// whiteouts included, in tar order.
func LayerFiles(img v1.Image, n int) ([]File, error) {
	layers, err := imageLayers(img)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(layers) {
		return nil, fmt.Errorf("layer %d: the image has layers 1 to %d", n, len(layers))
	}
	return readLayer(layers[n-1], n, false)
}

// overlay lays one layer's files over t as unpacking would (OCI image-spec,
// "Applying changesets"): its whiteouts and opaque markers, and its
// non-directories that replace a directory, hide what lies below in the
// lower layers only; then its entries replace what is at their paths.
func overlay(t map[string]File, files []File) error {
	gone, under := map[string]bool{}, map[string]bool{}
	var kept []File
	for _, f := range files {
		dir, base := path.Split(f.Path)
		switch {
		case base == ".wh..wh..opq":
			under[path.Clean(dir)] = true
		case strings.HasPrefix(base, ".wh."):
			gone[path.Join(dir, strings.TrimPrefix(base, ".wh."))] = true
		default:
			if old, ok := t[f.Path]; ok && old.Type == "dir" && f.Type != "dir" {
				under[f.Path] = true
			}
			kept = append(kept, f)
		}
	}
	prune(t, gone, under)
	for _, f := range kept {
		t[f.Path] = f
	}
	if len(t) > layer.MaxTreeEntries {
		return fmt.Errorf("the merged tree has more than %d entries; lading refuses such an image", layer.MaxTreeEntries)
	}
	return nil
}

// prune deletes from t every path in gone and every path below one in
// gone or under: one pass over t, walking each path's ancestors.
func prune(t map[string]File, gone, under map[string]bool) {
	if len(gone) == 0 && len(under) == 0 {
		return
	}
	for p := range t {
		if gone[p] || (p != "/" && (below(p, gone) || below(p, under))) {
			delete(t, p)
		}
	}
}

// below reports whether a strict ancestor of the path p is in set.
func below(p string, set map[string]bool) bool {
	for q := path.Dir(p); ; q = path.Dir(q) {
		if set[q] {
			return true
		}
		if q == "/" {
			return false
		}
	}
}

// sortedFiles lists t's files by path.
func sortedFiles(t map[string]File) []File {
	out := make([]File, 0, len(t))
	for _, p := range slices.Sorted(maps.Keys(t)) {
		out = append(out, t[p])
	}
	return out
}
