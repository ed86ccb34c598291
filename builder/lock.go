package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/registry/oci"
)

// LockFile is the name of the lock file beside the spec.
const LockFile = "lading.lock"

// Lock pins registry base references to the digests they resolved to.
type Lock struct {
	Version int                  `json:"version"`
	Bases   map[string]LockEntry `json:"bases"`
}

// LockEntry is one pinned base: the digest of what the tag named (an
// index or an image) and, for an index, each platform's manifest digest.
type LockEntry struct {
	Digest    v1.Hash            `json:"digest"`
	Platforms map[string]v1.Hash `json:"platforms,omitempty"`
}

// ReadLock reads a lock file; a missing file is an empty lock.
func ReadLock(path string) (*Lock, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{Version: 1, Bases: map[string]LockEntry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock file: %w", err)
	}
	var l Lock
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("parse lock file %s: %w", path, err)
	}
	if l.Version != 1 {
		return nil, fmt.Errorf("parse lock file %s: version %d is not supported (want 1)", path, l.Version)
	}
	if l.Bases == nil {
		l.Bases = map[string]LockEntry{}
	}
	return &l, nil
}

// Write stores the lock atomically, keys sorted (encoding/json sorts maps).
func (l *Lock) Write(path string) error {
	return atomicfile.WriteJSON(path, 0o644, "  ", l)
}

// IsRegistryBase reports whether base names a registry image (not a
// built-in or a local file), the only kind a lock pins.
func IsRegistryBase(base string) bool {
	if base == "" || base == BaseScratch || base == BaseStatic {
		return false
	}
	_, local := oci.ParseLocal(base)
	return !local
}

// Pin resolves ref now and returns its lock entry.
func Pin(ctx context.Context, f Fetcher, ref string) (LockEntry, error) {
	a, err := f.Pull(ctx, ref)
	if err != nil {
		return LockEntry{}, fmt.Errorf("resolve base %s: %w", ref, err)
	}
	return entryFor(a)
}

// entryFor describes an artifact as a lock entry.
func entryFor(a oci.Artifact) (LockEntry, error) {
	d, err := partial.Digest(a)
	if err != nil {
		return LockEntry{}, err
	}
	e := LockEntry{Digest: d}
	idx, ok := a.(v1.ImageIndex)
	if !ok {
		return e, nil
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return LockEntry{}, fmt.Errorf("read index: %w", err)
	}
	e.Platforms = map[string]v1.Hash{}
	for _, m := range im.Manifests {
		if m.Platform != nil {
			e.Platforms[m.Platform.String()] = m.Digest
		}
	}
	return e, nil
}
