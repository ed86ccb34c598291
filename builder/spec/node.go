package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SpecError is one problem in a spec, at a line and key: "lading.yaml:12:
// layers[0].go.package: missing". Key is the dotted path to the field (empty
// for YAML syntax errors).
type SpecError struct {
	File string
	Line int
	Key  string
	Err  error
}

func (e *SpecError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Key, e.Err)
}

func (e *SpecError) Unwrap() error { return e.Err }

// specDecoder walks a spec's YAML nodes, expanding variables in every
// string it reads and collecting each error, in document order, instead of
// stopping at the first.
type specDecoder struct {
	file string // the spec's path as given, for errors
	dir  string // the spec's absolute directory
	vars Vars
	errs []*SpecError
}

// fail records an error at n's line for key.
func (d *specDecoder) fail(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, &SpecError{File: d.file, Line: n.Line, Key: key, Err: fmt.Errorf(format, args...)})
}

// field handles the value of one known key; key is its full path.
type field func(v *yaml.Node, key string)

// fields walks mapping n (at path) and hands each known key's value to its
// handler. Unknown and repeated keys are errors; a null value counts as
// absent. It returns the keys present, for required-field checks.
func (d *specDecoder) fields(n *yaml.Node, path string, known map[string]field) map[string]bool {
	seen, given := map[string]bool{}, map[string]bool{}
	if !d.want(n, path, yaml.MappingNode) {
		return seen
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		key := join(path, k.Value)
		fn, ok := known[k.Value]
		switch {
		case !ok:
			d.fail(k, key, "unknown key (known here: %s)", strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		case given[k.Value]:
			d.fail(k, key, "given twice")
		case !isNull(v):
			seen[k.Value] = true
			fn(v, key)
		}
		given[k.Value] = true
	}
	return seen
}

// require records a "missing" error at n for each of keys not in seen,
// unless n is not a mapping at all (already an error).
func (d *specDecoder) require(n *yaml.Node, path string, seen map[string]bool, keys ...string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for _, k := range keys {
		if !seen[k] {
			d.fail(n, join(path, k), "missing (it is required)")
		}
	}
}

// want reports whether n has kind, recording a wrong-type error if not.
func (d *specDecoder) want(n *yaml.Node, key string, kind yaml.Kind) bool {
	if n.Kind == kind {
		return true
	}
	d.fail(n, key, "want %s, got %s", kindName(kind), describe(n))
	return false
}

// deref follows aliases to the node they name; a document yields its root.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return nil
		}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "a mapping (key: value)"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}

// describe names what n is, for wrong-type errors.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return kindName(n.Kind)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
