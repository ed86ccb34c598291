package inspect

import (
	"fmt"
	"io"
	"strings"
)

// WriteChanges writes changes for a person, one line each, as
// "linux/amd64: layer 2: /usr/bin/app: mode 0755 → 0700": what differs,
// then A's value → B's, or "added B" / "removed A" for what one side lacks.
func WriteChanges(w io.Writer, changes []Change) error {
	for _, c := range changes {
		if _, err := fmt.Fprintln(w, safe(changeLine(c))); err != nil {
			return err
		}
	}
	return nil
}

// changeLine is one change as WriteChanges writes it.
func changeLine(c Change) string {
	var parts []string
	if c.Platform != "" {
		parts = append(parts, c.Platform)
	}
	if c.Layer > 0 {
		parts = append(parts, fmt.Sprintf("layer %d", c.Layer))
	}
	if c.Path != "" {
		parts = append(parts, c.Path)
	}
	head := strings.Join(parts, ": ")
	if c.Field != "" {
		head += ": " + c.Field
	} else {
		head += ":"
	}
	switch {
	case c.A == nil:
		return head + " added " + *c.B
	case c.B == nil:
		return head + " removed " + *c.A
	}
	return head + " " + *c.A + " → " + *c.B
}
