package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/layer/cache"
)

const cacheUsage = `Usage:
  lading cache info [--cache-dir DIR]
  lading cache prune [--cache-dir DIR] (--keep-bytes N | --older-than D)

info prints where the layer cache is, how many layers it keeps and how many
bytes it uses. prune removes what was used least recently: entries last used
longer ago than --older-than (e.g. 72h, 30d), then the least recently used
until at most --keep-bytes remain (e.g. 10GiB, 500MB). A build running
meanwhile may have to rebuild a layer; it never sees half of one.

Flags:
`

// cacheFlags is the CLI's plain config for `lading cache`.
type cacheFlags struct{ dir, keep, older string }

// flagSet declares every `lading cache` flag, binding them to f.
func (f *cacheFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("cache")
	fs.StringVar(&f.dir, "cache-dir", "", "the cache (default: $LADING_CACHE_DIR, else $XDG_CACHE_HOME/lading, else ~/.cache/lading)\n  e.g. --cache-dir /var/cache/lading")
	fs.StringVar(&f.keep, "keep-bytes", "", "prune: keep at most this many bytes (suffixes KB, MB, GB, KiB, MiB, GiB)\n  e.g. --keep-bytes 10GiB")
	fs.StringVar(&f.older, "older-than", "", "prune: remove what was last used longer ago than this (a Go duration, or days with d)\n  e.g. --older-than 30d")
	return fs
}

// runCache implements `lading cache info|prune`.
func runCache(args []string, e env, stdout io.Writer) error {
	var f cacheFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, cacheUsage, stdout); err != nil {
		return err
	}
	root := cacheRoot(f.dir, e)
	if root == "" {
		return usagef("no cache directory: give --cache-dir, or set LADING_CACHE_DIR or HOME")
	}
	c, err := cache.Open(filepath.Join(root, "layers"), nil)
	if err != nil {
		return err
	}
	switch {
	case fs.NArg() == 1 && fs.Arg(0) == "info":
		return cacheInfo(c, stdout)
	case fs.NArg() == 1 && fs.Arg(0) == "prune":
		return cachePrune(c, f.keep, f.older, stdout)
	}
	return usagef("want info or prune, e.g. lading cache prune --keep-bytes 10GiB")
}

func cacheInfo(c *cache.Cache, stdout io.Writer) error {
	s, err := c.Stats()
	if err != nil {
		return fmt.Errorf("read layer cache %s: %w", c.Dir(), err)
	}
	fmt.Fprintf(stdout, "dir: %s\nlayers: %d\nkept go and run outputs: %d\nsize: %s (%d bytes)\n",
		s.Dir, s.Layers, s.Outputs, humanBytes(s.Bytes), s.Bytes)
	return nil
}

func cachePrune(c *cache.Cache, keep, older string, stdout io.Writer) error {
	if keep == "" && older == "" {
		return usagef("prune needs --keep-bytes N or --older-than D, e.g. lading cache prune --older-than 30d")
	}
	keepBytes, age := int64(-1), time.Duration(0)
	var err error
	if keep != "" {
		if keepBytes, err = parseBytes(keep); err != nil {
			return usagef("--keep-bytes %q: %v", keep, err)
		}
	}
	if older != "" {
		if age, err = parseAge(older); err != nil {
			return usagef("--older-than %q: %v", older, err)
		}
	}
	freed, err := c.Prune(keepBytes, age)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "freed %s (%d bytes)\n", humanBytes(freed), freed)
	return nil
}

// parseBytes reads a byte count with an optional decimal or binary suffix.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.n
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a whole number of bytes, e.g. 10GiB or 500MB")
	}
	return n * mult, nil
}

// parseAge reads a Go duration, or a whole number of days written Nd.
func parseAge(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("want a positive number of days, e.g. 30d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a duration such as 72h or 30d")
	}
	return d, nil
}

// humanBytes prints n in binary units, one decimal.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
