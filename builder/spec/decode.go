package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/lading-dev/lading/builder"
	"go.yaml.in/yaml/v3"
)

// Load reads the spec at path strictly: an unknown key, a value of the
// wrong type, a missing required field, a layer with no kind or two, a
// repeated layer name, an unset variable or a malformed value is a
// *SpecError naming path, the line and the key. Every such error is
// reported, joined in document order. ${...} in string values expands from
// vars; relative paths resolve against the spec's directory.
func Load(path string, vars Vars) (*Spec, error) {
	data, err := readSpec(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve spec path: %w", err)
	}
	root, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	d := &specDecoder{file: path, dir: filepath.Dir(abs), vars: vars}
	s := d.spec(root)
	if err := d.err(); err != nil {
		return nil, err
	}
	s.Path, s.Dir = path, d.dir
	return s, nil
}

// err joins the errors found, sorted by line.
func (d *specDecoder) err() error {
	slices.SortStableFunc(d.errs, func(a, b *SpecError) int { return a.Line - b.Line })
	errs := make([]error, len(d.errs))
	for i, e := range d.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// parseYAML parses data as exactly one YAML document. An empty file yields
// an empty mapping, so that the missing `layers` is what gets reported.
func parseYAML(path string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, extra yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return &yaml.Node{Kind: yaml.MappingNode, Line: 1}, nil
	} else if err != nil {
		return nil, yamlError(path, err)
	}
	if err := dec.Decode(&extra); err == nil {
		return nil, &SpecError{File: path, Line: extra.Line, Err: errors.New("a spec is one YAML document; remove the second (after ---)")}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(path, err)
	}
	return deref(&doc), nil
}

// MaxSpecSize bounds what is read of a spec: real ones are a few KiB, and
// -f /dev/zero must not fill memory (issue 13, case 12).
const MaxSpecSize = 1 << 20

// readSpec reads at most MaxSpecSize bytes of the spec at path (a file or
// a pipe such as /dev/stdin), refusing a larger one.
func readSpec(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("read spec %s: %w", path, err)
	}
	if len(data) > MaxSpecSize {
		return nil, fmt.Errorf("read spec %s: larger than %d bytes; a spec is a short YAML file", path, MaxSpecSize)
	}
	return data, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns the parser's "yaml: line N: msg" into a *SpecError.
func yamlError(path string, err error) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return &SpecError{File: path, Line: 1, Err: fmt.Errorf("parse yaml: %w", err)}
	}
	line, _ := strconv.Atoi(m[1])
	return &SpecError{File: path, Line: line, Err: fmt.Errorf("parse yaml: %s", m[2])}
}

// spec decodes the top-level mapping.
func (d *specDecoder) spec(n *yaml.Node) *Spec {
	s := &Spec{}
	seen := d.fields(n, "", map[string]field{
		"base":        func(v *yaml.Node, k string) { s.Base = d.nonEmpty(v, k) },
		"platforms":   func(v *yaml.Node, k string) { s.Platforms, s.AllPlatforms = d.platforms(v, k) },
		"layers":      func(v *yaml.Node, k string) { s.Layers = d.layers(v, k) },
		"config":      func(v *yaml.Node, k string) { s.Config = d.config(v, k) },
		"annotations": func(v *yaml.Node, k string) { s.Annotations = d.strMap(v, k) },
		"tags":        func(v *yaml.Node, k string) { s.Tags = d.tags(v, k) },
		"checks":      func(v *yaml.Node, k string) { s.Checks = d.checks(v, k) },
	})
	d.require(n, "", seen, "layers")
	return s
}

// config decodes `config`.
func (d *specDecoder) config(n *yaml.Node, path string) Config {
	var c Config
	d.fields(n, path, map[string]field{
		"entrypoint":   func(v *yaml.Node, k string) { c.Entrypoint = d.strList(v, k) },
		"cmd":          func(v *yaml.Node, k string) { c.Cmd = d.strList(v, k) },
		"env":          func(v *yaml.Node, k string) { c.Env = d.envMap(v, k) },
		"workdir":      func(v *yaml.Node, k string) { c.Workdir = d.absPath(v, k) },
		"user":         func(v *yaml.Node, k string) { c.User = d.nonEmpty(v, k) },
		"labels":       func(v *yaml.Node, k string) { c.Labels = d.strMap(v, k) },
		"exposedPorts": func(v *yaml.Node, k string) { c.ExposedPorts = d.ports(v, k) },
		"volumes":      func(v *yaml.Node, k string) { c.Volumes = d.absPaths(v, k) },
		"stopSignal":   func(v *yaml.Node, k string) { c.StopSignal = d.nonEmpty(v, k) },
	})
	return c
}

// checks decodes `checks`.
func (d *specDecoder) checks(n *yaml.Node, path string) []builder.CheckCommand {
	if !d.want(n, path, yaml.SequenceNode) {
		return nil
	}
	out := make([]builder.CheckCommand, len(n.Content))
	for i, item := range n.Content {
		item, key := deref(item), fmt.Sprintf("%s[%d]", path, i)
		c := &out[i]
		c.Line, c.Dir = item.Line, d.dir
		seen := d.fields(item, key, map[string]field{
			"command": func(v *yaml.Node, k string) { c.Command = d.argv(v, k) },
			"env":     func(v *yaml.Node, k string) { c.Env = d.envMap(v, k) },
			"dir":     func(v *yaml.Node, k string) { c.Dir = d.hostPath(v, k) },
		})
		d.require(item, key, seen, "command")
	}
	return out
}
