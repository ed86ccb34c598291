package spec

import (
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/patternmatcher"
	"go.yaml.in/yaml/v3"
)

// nonEmpty returns a string that must not be empty.
func (d *specDecoder) nonEmpty(n *yaml.Node, key string) string {
	s, ok := d.scalar(n, key)
	if ok && s == "" {
		d.fail(n, key, "empty; give a value or remove the key")
	}
	return s
}

// absPath returns an absolute image path, as written.
func (d *specDecoder) absPath(n *yaml.Node, key string) string {
	s, ok := d.scalar(n, key)
	if ok && !path.IsAbs(s) {
		d.fail(n, key, "want an absolute path in the image (starting with /), got %q", s)
	}
	return s
}

func (d *specDecoder) absPaths(n *yaml.Node, key string) []string {
	list := d.strList(n, key)
	for i, s := range list {
		if deref(n.Content[i]).Kind == yaml.ScalarNode && !path.IsAbs(s) {
			d.fail(deref(n.Content[i]), key, "want an absolute path in the image (starting with /), got %q", s)
		}
	}
	return list
}

// hostPath returns a host path made absolute against the spec's
// directory ("" after an error).
func (d *specDecoder) hostPath(n *yaml.Node, key string) string {
	s := d.nonEmpty(n, key)
	switch {
	case s == "":
		return ""
	case filepath.IsAbs(s):
		return filepath.Clean(s)
	}
	return filepath.Join(d.dir, s)
}

// existing is hostPath for a path that must exist when the spec loads.
func (d *specDecoder) existing(n *yaml.Node, key string) string {
	p := d.hostPath(n, key)
	if _, err := os.Lstat(p); err != nil && p != "" {
		d.fail(n, key, "%s does not exist (relative paths start at the spec's directory, %s)", p, d.dir)
	}
	return p
}

// argv returns a command: a non-empty list whose first item is not empty.
func (d *specDecoder) argv(n *yaml.Node, key string) []string {
	list := d.strList(n, key)
	if n.Kind == yaml.SequenceNode && (len(list) == 0 || list[0] == "") {
		d.fail(n, key, `want a command as a list, e.g. ["make", "dist"]`)
	}
	return list
}

// envMap returns environment variables; names may not hold "=".
func (d *specDecoder) envMap(n *yaml.Node, key string) map[string]string {
	m := d.strMap(n, key)
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; strings.Contains(k.Value, "=") {
			d.fail(k, key, "variable name %q holds =", k.Value)
		}
	}
	return m
}

// mode parses an octal mode string such as "0644", "755" or "4755".
func (d *specDecoder) mode(n *yaml.Node, key string) (os.FileMode, bool) {
	s, ok := d.scalar(n, key)
	v, err := strconv.ParseUint(s, 8, 32)
	if ok && (err != nil || len(s) < 3 || len(s) > 4) {
		d.fail(n, key, `want an octal mode such as "0644", got %q`, s)
		return 0, false
	}
	m := os.FileMode(v & 0o777)
	for bit, flag := range map[uint64]os.FileMode{0o4000: os.ModeSetuid, 0o2000: os.ModeSetgid, 0o1000: os.ModeSticky} {
		if v&bit != 0 {
			m |= flag
		}
	}
	return m, ok
}

// excludes returns .dockerignore patterns, each checked.
func (d *specDecoder) excludes(n *yaml.Node, key string) []string {
	list := d.strList(n, key)
	for i, p := range list {
		if _, err := patternmatcher.New([]string{p}); err != nil {
			d.fail(deref(n.Content[i]), key, "pattern %q: %v", p, err)
		}
	}
	return list
}
