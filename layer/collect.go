package layer

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/moby/patternmatcher"
)

// CollectOptions controls how [Collect] maps a host tree into entries.
// The zero value stores everything as root:root with normalised modes.
type CollectOptions struct {
	// UID and GID own every collected entry.
	UID, GID int
	// Mode, when ModeSet, replaces the mode of regular files; setuid,
	// setgid or sticky bits in it are kept (the entry asks for them).
	Mode    fs.FileMode
	ModeSet bool
	// KeepSpecial keeps setuid, setgid and sticky bits; otherwise they are
	// dropped with a warning on Logger.
	KeepSpecial bool
	// Exclude lists .dockerignore patterns, matched against paths relative
	// to the source directory.
	Exclude []string
	// FollowSymlinks stores what each symlink points to instead of the
	// link. A link that resolves outside the source root is an error
	// naming it, as is a directory link that loops.
	FollowSymlinks bool
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// Collect walks the host path src and returns one entry per file, directory
// and symlink found, placed under the absolute image path dest. A directory's
// contents land under dest; a file lands at dest itself, or, when dest ends
// in "/", at dest/basename(src), as Dockerfile COPY does (see intoDir).
// Symlinks are stored as links and their targets are never opened. FIFOs,
// sockets and device files are errors naming the host path.
func Collect(src, dest string, opts CollectOptions) ([]Entry, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dest = intoDir(src, dest, opts.FollowSymlinks)
	src, err := topLevel(src)
	if err != nil {
		return nil, err
	}
	pm, err := patternmatcher.New(opts.Exclude)
	if err != nil {
		return nil, fmt.Errorf("parse exclude patterns for %s: %w", src, err)
	}
	c := &collector{src: src, dest: dest, opts: opts, pm: pm}
	if opts.FollowSymlinks {
		if c.root, err = filepath.EvalSymlinks(src); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", src, unwrapPathError(err))
		}
		c.chain = map[string]bool{c.root: true}
	}
	if err := filepath.WalkDir(src, c.visit); err != nil {
		return nil, err
	}
	return c.entries, nil
}

// topLevel follows src itself when it is a symlink to a directory, as
// cp -r does with a directory named by a link: --add ./current:/app with
// current -> releases/42 adds the release, not a link that would dangle in
// the image (issue 13, case 18). A link to a file, or one that leads
// nowhere on the host (say, to an image path such as /usr/bin/python3), is
// stored as the link it is; links inside src are links unless
// FollowSymlinks.
func topLevel(src string) (string, error) {
	info, err := os.Lstat(src)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return src, nil // a missing src is reported by the walk, naming it
	}
	if target, err := os.Stat(src); err != nil || !target.IsDir() {
		return src, nil
	}
	return filepath.EvalSymlinks(src)
}

type collector struct {
	src, dest string
	opts      CollectOptions
	pm        *patternmatcher.PatternMatcher
	entries   []Entry
	// root is src with symlinks resolved and chain the real directories
	// being walked, when following symlinks.
	root  string
	chain map[string]bool
}

// visit is the WalkDir callback: it skips excluded paths and records the rest.
func (c *collector) visit(p string, d fs.DirEntry, walkErr error) error {
	if walkErr != nil {
		return fmt.Errorf("read %s: %w", p, unwrapPathError(walkErr))
	}
	rel, err := filepath.Rel(c.src, p)
	if err != nil {
		return fmt.Errorf("relate %s to %s: %w", p, c.src, err)
	}
	if rel != "." && len(c.opts.Exclude) > 0 {
		skip, err := c.pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil {
			return fmt.Errorf("match %s against exclude patterns: %w", p, err)
		}
		if skip {
			if d.IsDir() && !c.pm.Exclusions() {
				return filepath.SkipDir
			}
			return nil
		}
	}
	info, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("stat %s: %w", p, unwrapPathError(err))
	}
	if c.opts.FollowSymlinks && info.Mode()&fs.ModeSymlink != 0 {
		return c.follow(p, rel)
	}
	e, err := c.entry(p, rel, info)
	if err != nil {
		return err
	}
	c.entries = append(c.entries, e)
	return nil
}

// entry builds the Entry for host path p (rel to the source root).
func (c *collector) entry(p, rel string, info fs.FileInfo) (Entry, error) {
	e := Entry{
		Path:   c.destFor(rel),
		Source: p,
		Mode:   info.Mode(),
		UID:    c.opts.UID,
		GID:    c.opts.GID,
	}
	switch m := info.Mode(); {
	case m.IsRegular():
		e.Kind = File
		e.Size = info.Size()
		e.ModeSet = c.opts.ModeSet
		if c.opts.ModeSet {
			// An explicit mode is the whole mode: special bits in it are the
			// entry asking for them, and the host's do not leak through.
			e.Mode = c.opts.Mode
			e.KeepSpecial = c.opts.Mode&specialMask != 0
		}
		e.inode, e.stamp = inodeOf(info), stampOf(info)
	case m.IsDir():
		e.Kind = Dir
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return Entry{}, fmt.Errorf("read symlink %s: %w", p, unwrapPathError(err))
		}
		e.Kind, e.Target = Symlink, target
	default:
		return Entry{}, fmt.Errorf("add %s: %s is not supported in a layer (only files, directories and symlinks)", p, atomicfile.Kind(m))
	}
	c.special(&e)
	return e, nil
}

// specialMask selects the setuid, setgid and sticky bits.
const specialMask = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// special applies the setuid/setgid/sticky policy, warning about drops.
func (c *collector) special(e *Entry) {
	bits := e.Mode & specialMask
	if bits == 0 || e.Kind == Symlink || e.KeepSpecial {
		return
	}
	if c.opts.KeepSpecial {
		e.KeepSpecial = true
		return
	}
	c.opts.Logger.Warn("dropping setuid/setgid/sticky bits", "path", e.Source, "dest", e.Path)
}

// intoDir is the one place a DEST ending in "/" is read as "into this
// directory" (--add SRC:DEST and a spec files layer's dest alike, issue
// #9): a source that is not a directory lands at dest/basename(src); a
// directory's contents land under dest whether or not it ends in "/". A
// symlink source counts as what it points to only when follow is set. A
// src that cannot be read is left for the walk to report.
func intoDir(src, dest string, follow bool) string {
	if !strings.HasSuffix(dest, "/") {
		return dest
	}
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	if fi, err := stat(src); err == nil && !fi.IsDir() {
		return path.Join(dest, filepath.Base(src))
	}
	return dest
}

// destFor maps a path relative to the source root to its image path.
func (c *collector) destFor(rel string) string {
	if rel == "." {
		return c.dest
	}
	return path.Join(c.dest, filepath.ToSlash(rel))
}

// inodeOf returns the device and inode of a file with more than one link,
// or the zero fileID when it has one link (nothing to share).
func inodeOf(info fs.FileInfo) fileID {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || st.Nlink < 2 {
		return fileID{}
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
}

// unwrapPathError strips *fs.PathError so messages name the path once.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isWhiteout reports whether an image path component is an OCI whiteout.
func isWhiteout(p string) bool {
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, ".wh.") {
			return true
		}
	}
	return false
}
