package layer

import (
	"archive/tar"
	"io/fs"
	"strings"
	"time"
)

// Modes written when an entry does not set its own (the issue #3 contract,
// matching what distroless and ko ship).
const (
	dirMode     = 0o755
	execMode    = 0o755
	plainMode   = 0o644
	symlinkMode = 0o777
)

// Header returns the normalised tar header for e, built field by field so
// that nothing about the host (owner names, times, umask, xattrs) leaks into
// the layer. epoch is the build's single time source.
func Header(e Entry, epoch time.Time) *tar.Header {
	h := &tar.Header{
		// PAX, so names of any length and any UTF-8 are stored exactly.
		Format: tar.FormatPAX,
		Name:   tarName(e),
		// Owners are numeric only: an image has no host user database.
		Uid: e.UID,
		Gid: e.GID,
		// Whole seconds: archive/tar rounds sub-second times in USTAR fields
		// and would emit PAX records for the rest.
		ModTime: epoch.UTC().Truncate(time.Second),
		Mode:    tarMode(e),
	}
	switch e.Kind {
	case File:
		h.Typeflag = tar.TypeReg
		h.Size = e.Size
	case Dir:
		h.Typeflag = tar.TypeDir
	case Symlink:
		h.Typeflag = tar.TypeSymlink
		h.Linkname = e.Target
	case Hardlink:
		h.Typeflag = tar.TypeLink
		// Link targets are archive names, relative like every other name.
		h.Linkname = strings.TrimPrefix(e.Target, "/")
	}
	return h
}

// tarName is the archive name of e: no leading slash, and a trailing slash
// on directories, as docker and umoci write them.
func tarName(e Entry) string {
	name := strings.TrimPrefix(e.Path, "/")
	if e.Kind == Dir {
		name += "/"
	}
	return name
}

// tarMode returns the permission bits for e's header.
func tarMode(e Entry) int64 {
	if e.Kind == Symlink {
		// Linux ignores a symlink's mode; a fixed value keeps digests equal
		// across hosts (nix2container#23: macOS differs).
		return symlinkMode
	}
	var m int64
	switch {
	case e.ModeSet:
		m = int64(e.Mode.Perm())
	case e.Kind == Dir:
		m = dirMode
	case e.Mode&0o111 != 0:
		m = execMode
	default:
		m = plainMode
	}
	if e.KeepSpecial {
		m |= specialBits(e.Mode)
	}
	return m
}

// specialBits maps Go's setuid/setgid/sticky mode bits to tar's.
func specialBits(m fs.FileMode) int64 {
	var b int64
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}
