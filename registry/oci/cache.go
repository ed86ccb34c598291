package oci

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Cache keeps base images by digest in an OCI layout, so a build whose
// base is pinned to a digest needs no network once the base was fetched.
// Each entry's ref name is its digest.
type Cache struct {
	dir string
}

// NewCache returns the cache in dir, which is created on first Put.
func NewCache(dir string) *Cache { return &Cache{dir: dir} }

// Dir returns where the cache lives.
func (c *Cache) Dir() string { return c.dir }

// Get returns the cached artifact with digest d, or nil when absent.
func (c *Cache) Get(d v1.Hash) (Artifact, error) {
	if _, err := os.Stat(filepath.Join(c.dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	idx, err := readLayoutIndex(c.dir)
	if err != nil {
		return nil, fmt.Errorf("read base cache: %w", err)
	}
	for _, m := range idx.Manifests {
		if m.Digest == d {
			return OpenLayout(c.dir, "@"+d.String())
		}
	}
	return nil, nil
}

// Put stores a (every blob it references) under its digest.
func (c *Cache) Put(ctx context.Context, a Artifact) error {
	d, err := a.Digest()
	if err != nil {
		return fmt.Errorf("digest base: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.dir), 0o755); err != nil {
		return fmt.Errorf("create base cache: %w", err)
	}
	if err := WriteLayout(ctx, c.dir, a, d.String()); err != nil {
		return fmt.Errorf("cache base %s: %w", d, err)
	}
	return nil
}
