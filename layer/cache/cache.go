// Package cache is lading's local layer cache: finished layers by cache key
// (layer.Writer.Key), their blobs, and the content digests of host files
// (layer.Sums), all in one directory that concurrent builds may share.
//
// Entries are written blob first, then the small key file, each atomically,
// so a reader never sees half an entry; every hit is verified against the
// digest and size it was stored with, and a corrupt entry is discarded with
// a warning and rebuilt, never used. It knows nothing of images or specs.
package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// Cache is one cache directory. Its methods are safe for concurrent use,
// and several processes may share the directory.
type Cache struct {
	dir    string
	logger *slog.Logger
	sums   *layer.Sums
}

// Open returns the cache in dir, creating it, with the remembered host
// file digests loaded. logger receives warnings (nil discards them).
func Open(dir string, logger *slog.Logger) (*Cache, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for _, sub := range []string{"layers", "blobs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("create layer cache %s: %w", dir, err)
		}
	}
	// Left by builds killed mid-write: a layer being packed, a run's output.
	atomicfile.RemoveStale(filepath.Join(dir, "blobs"), ".layer-*.tmp")
	atomicfile.RemoveStale(filepath.Join(dir, "runs"), "*.tmp-*")
	c := &Cache{dir: dir, logger: logger, sums: layer.NewSums()}
	if f, err := os.Open(c.sumsPath()); err == nil {
		if err := c.sums.Decode(f); err != nil {
			logger.Warn("ignoring the rest of a damaged file-digest cache", "file", c.sumsPath(), "err", err)
		}
		f.Close()
	}
	return c, nil
}

// Dir returns the cache directory.
func (c *Cache) Dir() string { return c.dir }

// BlobDir is where layers are written so that Put can keep them: the
// directory to give layer.NewWriter.
func (c *Cache) BlobDir() string { return filepath.Join(c.dir, "blobs") }

// Sums returns the host file digests that layer keys are computed with.
func (c *Cache) Sums() *layer.Sums { return c.sums }

func (c *Cache) sumsPath() string { return filepath.Join(c.dir, "sums") }

func (c *Cache) entryPath(key string) string {
	return filepath.Join(c.dir, "layers", key+".json")
}

// Get returns the layer stored under key, or false. A stored layer is
// verified (its blob's sha256 and size) before it is returned; one that
// fails is removed with a warning and reported as a miss.
func (c *Cache) Get(key string) (*layer.Layer, bool) {
	raw, err := os.ReadFile(c.entryPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	var info layer.Info
	if err == nil {
		err = json.Unmarshal(raw, &info)
	}
	if err == nil {
		err = verify(c.blobPath(info), info)
	}
	if err != nil {
		c.logger.Warn("discarding a corrupt layer cache entry; the layer is rebuilt", "key", key, "err", err)
		os.Remove(c.entryPath(key))
		return nil, false
	}
	now := time.Now()
	os.Chtimes(c.entryPath(key), now, now) // last use, for Prune
	return layer.FromFile(c.blobPath(info), info), true
}

// Put stores l under key. l must have been written into BlobDir.
func (c *Cache) Put(key string, l *layer.Layer) error {
	info := l.Info()
	if l.Path() != c.blobPath(info) {
		return fmt.Errorf("cache layer %s: its blob %s is not in %s", info.Digest, l.Path(), c.BlobDir())
	}
	if err := atomicfile.WriteJSON(c.entryPath(key), 0o644, "", info); err != nil {
		return fmt.Errorf("cache layer %s: %w", info.Digest, err)
	}
	return nil
}

// Close saves the host file digests learnt during the build; failing to is
// worth a warning, not a failed build.
func (c *Cache) Close() {
	if err := atomicfile.Write(c.sumsPath(), 0o644, c.sums.Encode); err != nil {
		c.logger.Warn("could not save the file-digest cache", "err", err)
	}
}

// blobPath is where a layer with info's digest lies (the name
// layer.Writer gives its files).
func (c *Cache) blobPath(info layer.Info) string {
	return filepath.Join(c.BlobDir(), info.Digest.Hex+".layer")
}

// verify checks that the file at path has info's digest and size.
func verify(path string, info layer.Info) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	d, n, err := layer.HashCopy(io.Discard, f)
	switch {
	case err != nil:
		return err
	case n != info.Size:
		return fmt.Errorf("blob %s has %d bytes, want %d", path, n, info.Size)
	case d != info.Digest:
		return fmt.Errorf("blob %s has digest %s, want %s", path, d, info.Digest)
	}
	return nil
}
