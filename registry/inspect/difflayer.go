package inspect

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/lading-dev/lading/layer"
)

// layerPair compares layer n of A and of B entry by entry (tar entries as
// stored, whiteouts included), each read once, verified, and hashed.
func (d *differ) layerPair(n int, a, b layer.BaseLayer) error {
	fa, err := readLayer(a, n, true)
	if err != nil {
		return fmt.Errorf("image A: %w", err)
	}
	fb, err := readLayer(b, n, true)
	if err != nil {
		return fmt.Errorf("image B: %w", err)
	}
	ma, mb := byPath(fa), byPath(fb)
	paths := slices.Sorted(maps.Keys(ma))
	for p := range mb {
		if _, ok := ma[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		d.entry(n, p, ma[p], mb[p])
	}
	return nil
}

// byPath indexes files by path; a path stored twice counts as its last.
func byPath(files []File) map[string]*File {
	m := make(map[string]*File, len(files))
	for i := range files {
		m[files[i].Path] = &files[i]
	}
	return m
}

// entry records how the entry at p differs between layer n of A and B.
func (d *differ) entry(n int, p string, a, b *File) {
	switch {
	case a == nil:
		d.add(n, p, "", nil, str(summary(b)))
		return
	case b == nil:
		d.add(n, p, "", str(summary(a)), nil)
		return
	}
	for _, f := range []struct {
		name string
		get  func(*File) string
	}{
		{"type", func(f *File) string { return f.Type }},
		{"mode", func(f *File) string { return fmt.Sprintf("%04o", f.Mode) }},
		{"uid", func(f *File) string { return strconv.Itoa(f.UID) }},
		{"gid", func(f *File) string { return strconv.Itoa(f.GID) }},
		{"size", func(f *File) string { return strconv.FormatInt(f.Size, 10) }},
		{"mtime", func(f *File) string { return f.Mtime.Format(time.RFC3339) }},
		{"target", func(f *File) string { return f.Target }},
		{"content", func(f *File) string { return f.Digest }},
	} {
		if va, vb := f.get(a), f.get(b); va != vb {
			d.add(n, p, f.name, str(va), str(vb))
		}
	}
}

// summary describes an entry only one side has: "file 0644 12 bytes".
func summary(f *File) string {
	s := fmt.Sprintf("%s %04o", f.Type, f.Mode)
	switch f.Type {
	case "file":
		s += fmt.Sprintf(" %d bytes", f.Size)
	case "symlink", "hardlink":
		s += " -> " + f.Target
	}
	return s
}
