package cache

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lading-dev/lading/layer"
)

// Stats is what `lading cache info` prints.
type Stats struct {
	Dir     string `json:"dir"`
	Layers  int    `json:"layers"`  // layer entries
	Bytes   int64  `json:"bytes"`   // every file in the cache
	Outputs int    `json:"outputs"` // kept go and run outputs
}

// item is one thing Prune may remove: a layer entry or a kept output
// directory, with when it was last used and the bytes it holds alone.
type item struct {
	paths []string
	used  time.Time
	bytes int64
}

// Stats counts the cache's entries and bytes.
func (c *Cache) Stats() (Stats, error) {
	items, err := c.items()
	if err != nil {
		return Stats{}, err
	}
	s := Stats{Dir: c.dir}
	for _, it := range items {
		if strings.HasSuffix(it.paths[0], ".json") {
			s.Layers++
		} else {
			s.Outputs++
		}
	}
	s.Bytes, err = dirBytes(c.dir)
	return s, err
}

// Prune removes entries last used more than olderThan ago (0: none by
// age), then the least recently used until the cache holds at most
// keepBytes (negative: no size bound). It returns the bytes freed. A build
// running meanwhile may lose an entry it was about to use and rebuild it;
// it never sees half of one.
func (c *Cache) Prune(keepBytes int64, olderThan time.Duration) (int64, error) {
	items, err := c.items()
	if err != nil {
		return 0, err
	}
	total, err := dirBytes(c.dir)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(items, func(a, b item) int { return a.used.Compare(b.used) })
	cutoff, freed := time.Now().Add(-olderThan), int64(0)
	for _, it := range items {
		tooOld := olderThan > 0 && it.used.Before(cutoff)
		tooBig := keepBytes >= 0 && total-freed > keepBytes
		if !tooOld && !tooBig {
			continue
		}
		for _, p := range it.paths {
			if err := os.RemoveAll(p); err != nil {
				return freed, fmt.Errorf("prune %s: %w", p, err)
			}
		}
		freed += it.bytes
	}
	return freed, nil
}

// items lists the layer entries (each with its blob, when no other entry
// shares it) and the kept output directories.
func (c *Cache) items() ([]item, error) {
	entries, err := filepath.Glob(filepath.Join(c.dir, "layers", "*.json"))
	if err != nil {
		return nil, err
	}
	var out []item
	for _, e := range entries {
		out = append(out, c.layerItem(e))
	}
	dirs, _ := filepath.Glob(filepath.Join(c.dir, "go", "*"))
	runs, _ := filepath.Glob(filepath.Join(c.dir, "runs", "*"))
	for _, d := range append(dirs, runs...) {
		fi, err := os.Stat(d)
		if err != nil {
			continue
		}
		n, _ := dirBytes(d)
		out = append(out, item{paths: []string{d}, used: fi.ModTime(), bytes: n})
	}
	return out, nil
}

// layerItem describes one layer entry and its blob.
func (c *Cache) layerItem(entry string) item {
	it := item{paths: []string{entry}}
	if fi, err := os.Stat(entry); err == nil {
		it.used, it.bytes = fi.ModTime(), fi.Size()
	}
	raw, err := os.ReadFile(entry)
	var info layer.Info
	if err != nil || json.Unmarshal(raw, &info) != nil {
		return it
	}
	blob := c.blobPath(info)
	if fi, err := os.Stat(blob); err == nil {
		it.paths = append(it.paths, blob)
		it.bytes += fi.Size()
	}
	return it
}

// dirBytes adds up the sizes of the regular files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n, err
}
