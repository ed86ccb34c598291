package layer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// follow stores what the symlink p points to: a file's content, or a
// directory's tree walked under the link's destination. The target must
// resolve inside the source root.
func (c *collector) follow(p, rel string) error {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return fmt.Errorf("follow symlink %s: %w", p, unwrapPathError(err))
	}
	if real != c.root && !strings.HasPrefix(real, c.root+string(filepath.Separator)) {
		return fmt.Errorf("follow symlink %s: it resolves to %s, outside %s", p, real, c.src)
	}
	info, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("follow symlink %s: %w", p, unwrapPathError(err))
	}
	if !info.IsDir() {
		e, err := c.entry(real, rel, info)
		if err != nil {
			return err
		}
		e.Source = real
		c.entries = append(c.entries, e)
		return nil
	}
	if c.chain[real] {
		return fmt.Errorf("follow symlink %s: it loops back to %s", p, real)
	}
	c.chain[real] = true
	defer delete(c.chain, real)
	sub := &collector{src: real, dest: c.destFor(rel), opts: c.opts, pm: c.pm, root: c.root, chain: c.chain}
	sub.opts.Exclude = nil // patterns are relative to the top source only
	if err := filepath.WalkDir(real, sub.visit); err != nil {
		return err
	}
	c.entries = append(c.entries, sub.entries...)
	return nil
}
