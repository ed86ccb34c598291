package spec

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// str returns scalar n's text with variables expanded. Numbers and
// booleans are taken as written (`version: 1.10` stays "1.10").
func (d *specDecoder) str(n *yaml.Node, key string) string {
	v, _ := d.scalar(n, key)
	return v
}

// scalar is str, also reporting whether n was a scalar that expanded
// without error (so callers add no second error for the same value).
func (d *specDecoder) scalar(n *yaml.Node, key string) (string, bool) {
	if !d.want(n, key, yaml.ScalarNode) {
		return "", false
	}
	v, err := expand(n.Value, d.vars)
	if err != nil {
		d.fail(n, key, "%v", err)
		return "", false
	}
	return v, true
}

// strList returns list n's strings; an empty list is non-nil.
func (d *specDecoder) strList(n *yaml.Node, key string) []string {
	if !d.want(n, key, yaml.SequenceNode) {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		out = append(out, d.str(deref(item), fmt.Sprintf("%s[%d]", key, i)))
	}
	return out
}

// strMap returns mapping n as strings. Keys are taken as written (not
// expanded); values are expanded; a null value is "".
func (d *specDecoder) strMap(n *yaml.Node, key string) map[string]string {
	if !d.want(n, key, yaml.MappingNode) {
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		sub := join(key, k.Value)
		if _, dup := out[k.Value]; dup {
			d.fail(k, sub, "given twice")
			continue
		}
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.fail(k, key, "want a non-empty name as key, got %s", describe(k))
			continue
		}
		out[k.Value] = ""
		if !isNull(v) {
			out[k.Value] = d.str(v, sub)
		}
	}
	return out
}

// id returns a uid or gid: a whole number from 0 to 2^31-1.
func (d *specDecoder) id(n *yaml.Node, key string) int {
	s, ok := d.scalar(n, key)
	v, err := strconv.ParseUint(s, 10, 31)
	if err != nil && ok {
		d.fail(n, key, "want a whole number from 0 to 2147483647, got %q", s)
	}
	return int(v)
}

// boolean returns true or false, written as such.
func (d *specDecoder) boolean(n *yaml.Node, key string) bool {
	s, ok := d.scalar(n, key)
	if ok && s != "true" && s != "false" {
		d.fail(n, key, "want true or false, got %q", s)
	}
	return s == "true"
}
