package spec

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// buildTags decodes a go layer's `tags`: one build tag per item.
func (d *specDecoder) buildTags(n *yaml.Node, key string) []string {
	list := d.strList(n, key)
	for i, t := range list {
		if item := deref(n.Content[i]); item.Kind == yaml.ScalarNode && (t == "" || strings.ContainsAny(t, ", \t")) {
			d.fail(item, fmt.Sprintf("%s[%d]", key, i), "want one build tag per item, got %q", t)
		}
	}
	return list
}

// goFlags decodes a go layer's `flags`. The flags lading sets itself, or
// that have their own field, are refused so nothing silently replaces them.
func (d *specDecoder) goFlags(n *yaml.Node, key string) []string {
	own := map[string]string{"o": "lading chooses the output file", "ldflags": "use ldflags", "tags": "use tags"}
	list := d.strList(n, key)
	for i, f := range list {
		flag, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if why, ok := own[flag]; ok && strings.HasPrefix(f, "-") {
			d.fail(deref(n.Content[i]), fmt.Sprintf("%s[%d]", key, i), "%s is not allowed here: %s", f, why)
		}
	}
	return list
}
