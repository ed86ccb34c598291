package spec

import (
	"fmt"
	"strings"

	"github.com/lading-dev/lading/builder"
	"go.yaml.in/yaml/v3"
)

// gitExclude keeps .git directories out of files layers unless a later
// `!**/.git` pattern brings them back.
const gitExclude = "**/.git"

// layers decodes `layers`, rejecting a name used twice.
func (d *specDecoder) layers(n *yaml.Node, path string) []Layer {
	if !d.want(n, path, yaml.SequenceNode) {
		return nil
	}
	out := make([]Layer, len(n.Content))
	lines := map[string]int{} // layer name → the line that first used it
	for i, item := range n.Content {
		item, key := deref(item), fmt.Sprintf("%s[%d]", path, i)
		out[i] = d.layer(item, key)
		name := out[i].Name
		if first, dup := lines[name]; dup && name != "" {
			d.fail(item, key+".name", "%q is already the name of the layer at line %d; layer names are unique", name, first)
		} else if !dup {
			lines[name] = item.Line
		}
	}
	return out
}

// layer decodes one layer: a name and exactly one kind.
func (d *specDecoder) layer(n *yaml.Node, key string) Layer {
	l := Layer{Line: n.Line}
	seen := d.fields(n, key, map[string]field{
		"name":  func(v *yaml.Node, k string) { l.Name = d.nonEmpty(v, k) },
		"files": func(v *yaml.Node, k string) { l.Files = d.filesLayer(v, k) },
		"go":    func(v *yaml.Node, k string) { l.Go = d.goLayer(v, k) },
		"run":   func(v *yaml.Node, k string) { l.Run = d.runLayer(v, k) },
	})
	d.require(n, key, seen, "name")
	var kinds []string
	for _, k := range []string{"files", "go", "run"} {
		if seen[k] {
			kinds = append(kinds, k)
		}
	}
	switch {
	case n.Kind != yaml.MappingNode:
	case len(kinds) == 0:
		d.fail(n, key, "a layer needs one of files, go or run")
	case len(kinds) > 1:
		d.fail(n, key, "a layer has exactly one of files, go or run, not %s: make one layer of each", strings.Join(kinds, " and "))
	}
	return l
}

// filesLayer decodes a `files` layer.
func (d *specDecoder) filesLayer(n *yaml.Node, path string) *builder.Files {
	f := &builder.Files{Exclude: []string{gitExclude}}
	seen := d.fields(n, path, map[string]field{
		"src":            func(v *yaml.Node, k string) { f.Src = d.existing(v, k) },
		"dest":           func(v *yaml.Node, k string) { f.Dest = d.absPath(v, k) },
		"mode":           func(v *yaml.Node, k string) { f.Mode, f.ModeSet = d.mode(v, k) },
		"uid":            func(v *yaml.Node, k string) { f.UID = d.id(v, k) },
		"gid":            func(v *yaml.Node, k string) { f.GID = d.id(v, k) },
		"exclude":        func(v *yaml.Node, k string) { f.Exclude = append(f.Exclude, d.excludes(v, k)...) },
		"followSymlinks": func(v *yaml.Node, k string) { f.FollowSymlinks = d.boolean(v, k) },
	})
	d.require(n, path, seen, "src", "dest")
	return f
}

// goLayer decodes a `go` layer; go build will run in the spec's directory.
func (d *specDecoder) goLayer(n *yaml.Node, path string) *builder.GoLayer {
	g := &builder.GoLayer{Dir: d.dir}
	seen := d.fields(n, path, map[string]field{
		"package": func(v *yaml.Node, k string) { g.Package = d.nonEmpty(v, k) },
		"dest":    func(v *yaml.Node, k string) { g.Dest = d.absPath(v, k) },
		"ldflags": func(v *yaml.Node, k string) { g.Ldflags = d.strList(v, k) },
		"tags":    func(v *yaml.Node, k string) { g.Tags = d.buildTags(v, k) },
		"flags":   func(v *yaml.Node, k string) { g.Flags = d.goFlags(v, k) },
		"env":     func(v *yaml.Node, k string) { g.Env = d.envMap(v, k) },
	})
	d.require(n, path, seen, "package", "dest")
	return g
}

// runLayer decodes a `run` layer; dir defaults to the spec's directory.
func (d *specDecoder) runLayer(n *yaml.Node, path string) *builder.RunLayer {
	r := &builder.RunLayer{Dir: d.dir, InputsDir: d.dir}
	seen := d.fields(n, path, map[string]field{
		"command": func(v *yaml.Node, k string) { r.Command = d.argv(v, k) },
		"inputs":  func(v *yaml.Node, k string) { r.Inputs = d.strList(v, k) },
		"env":     func(v *yaml.Node, k string) { r.Env = d.envMap(v, k) },
		"dir":     func(v *yaml.Node, k string) { r.Dir = d.hostPath(v, k) },
		"dest":    func(v *yaml.Node, k string) { r.Dest = d.absPath(v, k) },
	})
	d.require(n, path, seen, "command", "dest")
	return r
}
