package layer

import (
	"archive/tar"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// Node is one path of a [Tree].
type Node struct {
	Kind   Kind
	Target string // a symlink's target as stored
	Mode   int64  // permission bits as in the tar header
	// Source is the host path of a file lading placed; empty for base files.
	Source string
	// Data is the content of the paths a Tree was asked to keep.
	Data []byte
}

// Tree is an image's file tree: paths to nodes, with whiteouts applied.
// It implements [Beneath]. Build one with [ReadTree]; it is not safe for
// concurrent mutation.
type Tree struct {
	nodes map[string]Node
	// kids indexes nodes by parent directory, so that a whiteout removes a
	// subtree in time proportional to its size, not to the whole tree's
	// (issue 13, case 11: 200,000 whiteouts took about 10 minutes).
	kids map[string]map[string]struct{}
	// links counts the entries of kids: every path and every directory a
	// tar implies without naming it ("a/b/c" alone implies /a and /a/b).
	links int
}

var _ Beneath = (*Tree)(nil)

// MaxTreeEntries bounds the paths a base file tree may hold: a real image
// has tens of thousands; a hostile layer of tiny headers would otherwise
// cost hundreds of MiB (issue 13, case 11).
// It bounds the paths kids indexes too, directories a tar implies
// included.
const MaxTreeEntries = 500_000

// maxNameLen bounds an entry's name: Linux's PATH_MAX. Indexing a name
// costs the square of its depth, and a PAX name may be 1 MiB (one 40 KiB
// name took 4.5 s); no file system holds a longer path.
const maxNameLen = 4096

// NewTree returns an empty tree (a scratch image's).
func NewTree() *Tree { return &Tree{nodes: map[string]Node{}, kids: map[string]map[string]struct{}{}} }

// set puts n at p, indexing p under its parent and each ancestor under
// its own (a tar may name /a/b/c without /a/b: a whiteout of /a must
// still reach it).
func (t *Tree) set(p string, n Node) {
	for q := p; q != "/"; q = parentOf(q) {
		parent := parentOf(q)
		if t.kids[parent] == nil {
			t.kids[parent] = map[string]struct{}{}
		}
		if _, ok := t.kids[parent][q]; ok {
			break
		}
		t.kids[parent][q] = struct{}{}
		t.links++
	}
	t.nodes[p] = n
}

// parentOf is the directory holding the clean absolute path q, "/" for
// a top-level one. Unlike path.Dir it does not clean, which costs a pass
// over q per ancestor: the square of a deep path's length (issue 13).
func parentOf(q string) string {
	i := strings.LastIndexByte(q, '/')
	if i <= 0 {
		return "/"
	}
	return q[:i]
}

// del removes the node at p (not what lies below it).
func (t *Tree) del(p string) {
	delete(t.nodes, p)
	if _, ok := t.kids[path.Dir(p)][p]; ok {
		delete(t.kids[path.Dir(p)], p)
		t.links--
	}
}

// ReadTree reads the tar headers of layers, bottom first, into a tree. Only
// headers are read, except the content of the regular files named in keep
// (e.g. /etc/passwd), which is kept in the node's Data.
//
// Every layer is verified as it is read: its compression must be what its
// media type says, and its bytes, read to their end, must have the digest
// and size its descriptor gives and the diffID its config gives. The tree
// is returned only when all of them do, so a caller may cache it under the
// image's manifest digest (issue 13).
func ReadTree(layers []BaseLayer, keep ...string) (*Tree, error) {
	t := NewTree()
	for i, l := range layers {
		if err := t.readLayer(l, keep); err != nil {
			return nil, fmt.Errorf("read base layer %d (%s): %w", i, l.Digest, err)
		}
	}
	return t, nil
}

// Lookup implements Beneath.
func (t *Tree) Lookup(p string) (Kind, string, bool) {
	n, ok := t.nodes[p]
	return n.Kind, n.Target, ok
}

// Node returns the node at the clean absolute path p.
func (t *Tree) Node(p string) (Node, bool) {
	n, ok := t.nodes[p]
	return n, ok
}

// Resolve follows symlinks in every component of p, as the kernel would.
func (t *Tree) Resolve(p string) (string, error) { return resolveIn(t, p, true) }

// Clone returns a copy of t that can be changed independently.
func (t *Tree) Clone() *Tree {
	c := NewTree()
	for k, v := range t.nodes {
		c.set(k, v)
	}
	return c
}

// Apply lays planned entries over the tree, as unpacking the layer would.
func (t *Tree) Apply(entries []Entry) {
	for _, e := range entries {
		n := Node{Kind: e.Kind, Target: e.Target, Mode: tarMode(e), Source: e.Source, Data: e.Data}
		if e.Kind == Hardlink {
			n = t.nodes[e.Target]
		}
		t.set(e.Path, n)
	}
}

// Paths returns every path in the tree, sorted.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.nodes))
	for p := range t.nodes {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// readLayer applies one layer's headers, then checks its bytes.
func (t *Tree) readLayer(l BaseLayer, keep []string) error {
	return EachEntry(l, func(h *tar.Header, r io.Reader) error {
		return t.applyHeader(h, r, keep)
	})
}

// EachEntry calls fn for every entry of l's tar stream, as EachHeader
// does, while checking l as ReadTree does: compression, digest, size and
// diffID. The checks end at the stream's end, so what fn saw may be
// believed only when EachEntry returns nil; nothing is held in memory.
func EachEntry(l BaseLayer, fn func(h *tar.Header, content io.Reader) error) error {
	s, err := openVerified(l)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.finish(EachHeader(s, fn))
}

// EachHeader calls fn for every entry of the tar stream r, in order, with
// a reader of the entry's content; an error from fn stops the walk.
//
// Sparse members (GNU type 'S', PAX GNU.sparse.* records) are refused:
// archive/tar expands their holes, so a 20 KiB archive read as gigabytes
// (issue 13), and no image tool writes them into layers or archives.
func EachHeader(r io.Reader, fn func(h *tar.Header, content io.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := refuseSparse(h); err != nil {
			return err
		}
		if err := fn(h, tr); err != nil {
			return err
		}
	}
}

// refuseSparse refuses a sparse tar member, whose content archive/tar
// would expand to its declared size however few bytes the archive holds.
func refuseSparse(h *tar.Header) error {
	sparse := h.Typeflag == tar.TypeGNUSparse
	for k := range h.PAXRecords {
		sparse = sparse || strings.HasPrefix(k, "GNU.sparse.")
	}
	if sparse {
		return fmt.Errorf("entry %q is a sparse file, which lading does not read (its holes expand to %d bytes); "+
			"repack it without sparse files (GNU tar: drop --sparse)", h.Name, h.Size)
	}
	return nil
}

// applyHeader adds, replaces or (for whiteouts) removes nodes for h.
func (t *Tree) applyHeader(h *tar.Header, r io.Reader, keep []string) error {
	if len(h.Name) > maxNameLen {
		return fmt.Errorf("entry %.64q… has a name of %d bytes, longer than PATH_MAX (%d); lading refuses such a base", h.Name, len(h.Name), maxNameLen)
	}
	p := path.Join("/", h.Name)
	dir, base := path.Split(p)
	switch {
	case base == ".wh..wh..opq":
		t.removeUnder(path.Clean(dir), false)
		return nil
	case strings.HasPrefix(base, ".wh."):
		t.removeUnder(path.Join(dir, strings.TrimPrefix(base, ".wh.")), true)
		return nil
	}
	n := Node{Mode: h.Mode & 0o7777}
	switch h.Typeflag {
	case tar.TypeDir:
		n.Kind = Dir
	case tar.TypeSymlink:
		n.Kind, n.Target = Symlink, h.Linkname
	case tar.TypeLink:
		n = t.nodes[path.Join("/", h.Linkname)]
	case tar.TypeReg:
		n.Kind = File
		if slices.Contains(keep, p) {
			data, err := io.ReadAll(io.LimitReader(r, 1<<20))
			if err != nil {
				return err
			}
			n.Data = data
		}
	default:
		n.Kind = File // devices and fifos: not directories, not links
	}
	if old, ok := t.nodes[p]; ok && old.Kind == Dir && n.Kind != Dir {
		t.removeUnder(p, false)
	}
	if _, ok := t.nodes[p]; !ok && max(len(t.nodes), t.links) >= MaxTreeEntries {
		return fmt.Errorf("the base's file tree has more than %d entries; lading refuses such a base", MaxTreeEntries)
	}
	t.set(p, n)
	return nil
}

// removeUnder deletes everything below p, and p itself when self is set,
// walking the kids index: the cost is the size of the subtree.
func (t *Tree) removeUnder(p string, self bool) {
	for k := range t.kids[p] {
		t.removeUnder(k, true)
	}
	delete(t.kids, p)
	if self {
		t.del(p)
	}
}

// treeVersion changes whenever the encoded form of a Tree does, so a
// cache written by another lading version is read as a miss. Version 2:
// trees are cached only after their layers were verified (issue 13), so
// trees cached by version 1 may be poisoned and are never read.
const treeVersion = 2

// Encode writes t in a form DecodeTree reads back (for on-disk caches).
func (t *Tree) Encode(w io.Writer) error {
	enc := gob.NewEncoder(w)
	if err := enc.Encode(treeVersion); err != nil {
		return err
	}
	return enc.Encode(t.nodes)
}

// DecodeTree reads a tree written by Encode.
func DecodeTree(r io.Reader) (*Tree, error) {
	dec := gob.NewDecoder(r)
	var v int
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if v != treeVersion {
		return nil, fmt.Errorf("tree cache version %d, want %d", v, treeVersion)
	}
	var nodes map[string]Node
	if err := dec.Decode(&nodes); err != nil {
		return nil, err
	}
	t := NewTree()
	for k, v := range nodes {
		t.set(k, v)
	}
	return t, nil
}
