package builder

import (
	"fmt"
	"os"
	"strings"

	"github.com/lading-dev/lading/layer"
)

// user checks that a user (and group) given by name exists in the image's
// /etc/passwd (and /etc/group).
func (c imageChecks) user() error {
	u, g, _ := strings.Cut(c.config.User, ":")
	if err := c.named(u, "/etc/passwd", "user"); err != nil {
		return err
	}
	return c.named(g, "/etc/group", "group")
}

// named checks that a non-numeric name is listed in the database file db.
func (c imageChecks) named(id, db, what string) error {
	if id == "" || strings.Trim(id, "0123456789") == "" {
		return nil
	}
	data, err := c.fileContent(db)
	if err != nil {
		return fmt.Errorf("%s %q is given by name, but %s: %w", what, id, db, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if name, _, _ := strings.Cut(line, ":"); name == id {
			return nil
		}
	}
	return fmt.Errorf("%s %q is not in the image's %s", what, id, db)
}

// fileContent reads a file of the final tree: kept base content, content
// lading synthesized, or the host file lading placed.
func (c imageChecks) fileContent(p string) ([]byte, error) {
	resolved, err := c.final.Resolve(p)
	if err != nil {
		return nil, err
	}
	n, ok := c.final.Node(resolved)
	switch {
	case !ok || n.Kind != layer.File:
		return nil, fmt.Errorf("the image has no such file")
	case n.Source != "":
		return os.ReadFile(n.Source)
	}
	return n.Data, nil
}
