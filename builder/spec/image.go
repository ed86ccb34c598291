package spec

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"go.yaml.in/yaml/v3"

	"github.com/lading-dev/lading/manifest"
)

// platforms decodes `platforms`: a list of os/arch[/variant], or "all".
func (d *specDecoder) platforms(n *yaml.Node, key string) ([]v1.Platform, bool) {
	if n.Kind == yaml.ScalarNode {
		s, ok := d.scalar(n, key)
		if ok && s != "all" {
			d.fail(n, key, "want a list of os/arch[/variant] or all, got %q (write [%s] for one platform)", s, s)
		}
		return nil, s == "all"
	}
	list := d.strList(n, key)
	if n.Kind == yaml.SequenceNode && len(list) == 0 {
		d.fail(n, key, "empty list; name at least one platform, or remove the key")
	}
	out := make([]v1.Platform, 0, len(list))
	seen := map[string]bool{}
	for i, s := range list {
		item, ikey := deref(n.Content[i]), fmt.Sprintf("%s[%d]", key, i)
		p, err := manifest.ParsePlatform(s)
		switch {
		case item.Kind != yaml.ScalarNode:
		case err != nil:
			d.fail(item, ikey, "%v", err)
		case seen[p.String()]:
			d.fail(item, ikey, "%s is listed twice", s)
		default:
			seen[p.String()] = true
			out = append(out, p)
		}
	}
	return out, false
}

// tags decodes `tags`, each a valid image reference with a tag or none.
func (d *specDecoder) tags(n *yaml.Node, key string) []string {
	list := d.strList(n, key)
	for i, t := range list {
		if item := deref(n.Content[i]); item.Kind == yaml.ScalarNode && t != "" {
			if _, err := manifest.ParseTag(t); err != nil {
				d.fail(item, fmt.Sprintf("%s[%d]", key, i), "%v", err)
			}
		}
	}
	return list
}

// ports decodes `exposedPorts`: PORT or PORT/tcp|udp|sctp, each written
// as --expose writes it ("8080/tcp"), by manifest.ParsePort.
func (d *specDecoder) ports(n *yaml.Node, key string) []string {
	list := d.strList(n, key)
	for i, s := range list {
		p, err := manifest.ParsePort(s)
		if item := deref(n.Content[i]); item.Kind == yaml.ScalarNode && err != nil {
			d.fail(item, fmt.Sprintf("%s[%d]", key, i), "%v", err)
		}
		list[i] = p
	}
	return list
}
