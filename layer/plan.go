package layer

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Plan validates entries and returns the list a layer is written from:
// every path cleaned, hardlinked host files turned into one regular file
// plus [Hardlink] entries pointing at the lexically first path, every missing
// parent directory added (root-owned, 0755), and everything sorted by path so
// each directory precedes its children. The input is not modified.
//
// Errors name the host path at fault: a destination that is not absolute,
// contains "..", is not valid UTF-8 or is an OCI whiteout (".wh."); two
// sources for one destination (both named); a path placed under a non-directory.
// Two directory entries for one path merge; the first one's attributes win.
//
// With [OnTopOf], destinations are resolved through the base tree's
// symlinked directories and directories the base already has are not
// emitted, so the base's owners, modes and links stay intact.
func Plan(entries []Entry, opts ...PlanOption) ([]Entry, error) {
	var po planOptions
	for _, o := range opts {
		o(&po)
	}
	byPath := make(map[string]int, len(entries))
	out := make([]Entry, 0, len(entries))
	for _, e := range entries {
		clean, err := cleanDest(e)
		if err != nil {
			return nil, err
		}
		e.Path = clean
		if keep, err := po.fit(&e); err != nil || !keep {
			if err != nil {
				return nil, err
			}
			continue
		}
		clean = e.Path
		if i, ok := byPath[clean]; ok {
			if out[i].Kind == Dir && e.Kind == Dir {
				continue
			}
			return nil, fmt.Errorf("add %s: destination %s is also provided by %s", e.origin(), clean, out[i].origin())
		}
		byPath[clean] = len(out)
		out = append(out, e)
	}
	if err := addParents(&out, byPath, po.beneath); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	linkHardlinks(out)
	return out, nil
}

// PlanOption configures [Plan].
type PlanOption func(*planOptions)

type planOptions struct{ beneath Beneath }

// OnTopOf plans the layer over the file tree b (a base image's).
func OnTopOf(b Beneath) PlanOption {
	return func(o *planOptions) { o.beneath = b }
}

// fit applies the tree beneath to e, if there is one.
func (o planOptions) fit(e *Entry) (bool, error) {
	if o.beneath == nil || e.Path == "/" {
		return e.Path != "/", nil // the root is implicit in every layer
	}
	return fitBeneath(o.beneath, e)
}

// cleanDest checks an entry's destination and returns it cleaned.
func cleanDest(e Entry) (string, error) {
	p := e.Path
	switch {
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("add %s: destination %q is not absolute", e.origin(), p)
	case slices.Contains(strings.Split(p, "/"), ".."):
		return "", fmt.Errorf("add %s: destination %q contains \"..\"", e.origin(), p)
	case !utf8.ValidString(p):
		return "", fmt.Errorf("add %s: destination %q is not valid UTF-8", e.origin(), p)
	case isWhiteout(p):
		return "", fmt.Errorf("add %s: destination %q is an OCI whiteout name (.wh.*), which would delete files from lower layers", e.origin(), p)
	case e.Kind == Hardlink && !strings.HasPrefix(e.Target, "/"):
		return "", fmt.Errorf("add %s: hardlink target %q is not absolute", e.origin(), e.Target)
	}
	return path.Clean(p), nil
}

// addParents appends a directory entry for every missing ancestor that
// neither the entries nor the tree beneath (which may be nil) provide.
func addParents(out *[]Entry, byPath map[string]int, beneath Beneath) error {
	n := len(*out)
	for i := 0; i < n; i++ {
		e := (*out)[i]
		for dir := path.Dir(e.Path); dir != "/"; dir = path.Dir(dir) {
			if j, ok := byPath[dir]; ok {
				if p := (*out)[j]; p.Kind != Dir {
					return fmt.Errorf("add %s: %s is placed under %s, which is a %s (from %s)", e.origin(), e.Path, dir, p.Kind, p.origin())
				}
				continue
			}
			if beneath != nil {
				if kind, _, ok := beneath.Lookup(dir); ok {
					if kind != Dir {
						return fmt.Errorf("add %s: %s is placed under %s, which is a %s in the base image", e.origin(), e.Path, dir, kind)
					}
					continue
				}
			}
			byPath[dir] = len(*out)
			*out = append(*out, Entry{Kind: Dir, Path: dir})
		}
	}
	return nil
}

// linkHardlinks turns every host file that shares an inode with an earlier
// (lexically smaller) file into a Hardlink to it. out must be sorted.
func linkHardlinks(out []Entry) {
	first := make(map[fileID]string)
	for i := range out {
		e := &out[i]
		if e.Kind != File || e.inode == (fileID{}) {
			continue
		}
		if target, ok := first[e.inode]; ok {
			e.Kind, e.Target, e.Size = Hardlink, target, 0
			continue
		}
		first[e.inode] = e.Path
	}
}
