package inspect

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// WriteText writes d for a person: one "key  value" line per field that
// is set, maps sorted by key, then an index's entries or an image's
// layers, one line each.
func WriteText(w io.Writer, d Description) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\n", d.Kind, d.Digest)
	fmt.Fprintf(tw, "mediaType\t%s\n", d.MediaType)
	field(tw, "platform", d.Platform)
	if c := d.Config; c != nil {
		writeConfig(tw, c)
	}
	writeMap(tw, "annotation", d.Annotations)
	for _, m := range d.Manifests {
		fmt.Fprintf(tw, "manifest\t%s\t%s\t%d bytes\n", m.Platform, m.Digest, m.Size)
	}
	for i, l := range d.Layers {
		fmt.Fprintf(tw, "layer %d\t%s\t%d bytes\t%s\n", i+1, l.Digest, l.Size, strings.TrimSpace(l.Kind+" "+l.Name))
	}
	return tw.Flush()
}

// writeConfig writes the runtime fields of c.
func writeConfig(tw io.Writer, c *Config) {
	field(tw, "config", c.Digest)
	field(tw, "created", c.Created)
	field(tw, "entrypoint", jsonList(c.Entrypoint))
	field(tw, "cmd", jsonList(c.Cmd))
	for _, e := range c.Env {
		field(tw, "env", e)
	}
	field(tw, "user", c.User)
	field(tw, "workdir", c.WorkingDir)
	field(tw, "ports", strings.Join(c.Ports, " "))
	writeMap(tw, "label", c.Labels)
}

// field writes "key\tvalue" unless value is empty.
func field(tw io.Writer, key, value string) {
	if value != "" {
		fmt.Fprintf(tw, "%s\t%s\n", key, safe(value))
	}
}

// safe returns s quoted, Go style, when it holds a control character: a
// label, path or env value comes from the image, and an ESC in it could
// rewrite the reader's terminal (issue 13, case 18).
func safe(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// writeMap writes one "key\tk=v" line per entry of m, sorted by k.
func writeMap(tw io.Writer, key string, m map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(tw, "%s\t%s\n", key, safe(k+"="+m[k]))
	}
}

// jsonList writes a list as the JSON array a Dockerfile would carry, so
// arguments with spaces stay readable; "" for none.
func jsonList(l []string) string {
	if l == nil {
		return ""
	}
	b, _ := json.Marshal(l)
	return string(b)
}
