package layer

import (
	"fmt"
	"path"
	"strings"
)

// Beneath is the file tree a layer is applied over (a base image's),
// consulted by [Plan] so that the layer fits it instead of fighting it.
type Beneath interface {
	// Lookup returns the kind of the node at the clean absolute path p and,
	// for a symlink, its target as stored. Parent symlinks are not followed.
	Lookup(p string) (kind Kind, target string, ok bool)
}

// maxLinkHops bounds symlink resolution, as Linux's ELOOP does.
const maxLinkHops = 40

// resolveIn resolves every symlink among the components of p, in b, and
// returns the path the kernel would reach. With final false the last
// component is not followed. A loop or a chain longer than maxLinkHops is an
// error.
func resolveIn(b Beneath, p string, final bool) (string, error) {
	hops := 0
	done := "/"
	rest := strings.TrimPrefix(path.Clean(p), "/")
	for rest != "" {
		var name string
		name, rest, _ = strings.Cut(rest, "/")
		next := path.Join(done, name)
		kind, target, ok := b.Lookup(next)
		if !ok || kind != Symlink || (rest == "" && !final) {
			done = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return "", fmt.Errorf("resolve %s: too many levels of symbolic links", p)
		}
		if !path.IsAbs(target) {
			target = path.Join(done, target)
		}
		rest = strings.TrimPrefix(path.Join(path.Clean(target), rest), "/")
		done = "/"
	}
	return done, nil
}

// fitBeneath rewrites e's path through the base's symlinked parents (so
// /bin/x lands at /usr/bin/x when /bin → usr/bin) and reports whether the
// entry is still needed: a directory the base already has is dropped, so
// the base's owner and mode stay.
func fitBeneath(b Beneath, e *Entry) (bool, error) {
	resolved, err := resolveIn(b, e.Path, e.Kind == Dir)
	if err != nil {
		return false, fmt.Errorf("add %s: %w", e.origin(), err)
	}
	orig := e.Path
	e.Path = resolved
	if e.Kind != Dir {
		return true, nil
	}
	kind, _, ok := b.Lookup(resolved)
	if ok && kind != Dir {
		return false, fmt.Errorf("add %s: directory %s would replace the base image's %s at %s", e.origin(), orig, kind, resolved)
	}
	return !ok, nil
}
