package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

const lockUsage = `Usage: lading lock [flags]

Pins the spec's registry base to the digests its tag resolves to now
(the index digest and each platform's manifest digest) in lading.lock
beside the spec. Builds then use the pinned digests, need no network for a
base already in the cache, and warn when the tag has since moved.
Without --update an existing pin is kept; with it, pins move and each
change is printed as REF: OLD -> NEW.

Flags:
`

// lockFlags is the CLI's plain config for `lading lock`.
type lockFlags struct {
	specFile, base string
	cacheDir       string
	update, quiet  bool
	remote         remoteFlags
}

// flagSet declares every `lading lock` flag, binding them to f.
func (f *lockFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("lock")
	fs.StringVarP(&f.specFile, "file", "f", "", "the spec whose base to pin (default: ./lading.yaml)\n  e.g. -f deploy/lading.yaml")
	fs.StringVar(&f.base, "base", "", "pin this base instead of the spec's\n  e.g. --base registry.example/base:v1")
	fs.BoolVar(&f.update, "update", false, "move existing pins to what the tags resolve to now")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "where the pinned base is kept for offline builds (default: $XDG_CACHE_HOME/lading, else ~/.cache/lading)\n  e.g. --cache-dir /var/cache/lading")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only results and errors\n  e.g. -q")
	f.remote.addTLS(fs)
	f.remote.pushJobs, f.remote.retries = registry.DefaultPushJobs, registry.DefaultRetries
	return fs
}

// runLock implements `lading lock`.
func runLock(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f lockFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, lockUsage, stdout); err != nil {
		return err
	}
	logger := newLogger(stderr, f.quiet)
	lockPath, ref, err := lockTarget(ctx, e, f.specFile, f.base)
	if err != nil {
		return err
	}
	client, err := f.remote.client(e, stderr, logger)
	if err != nil {
		return err
	}
	entry, err := pinBase(ctx, client, lockPath, ref, f.update, stdout)
	if err != nil {
		return err
	}
	return cachePinned(ctx, client, baseCache(f.cacheDir, e), ref, entry, logger)
}

// cachePinned fetches the pinned base into the base cache, so that the
// next build needs no network.
func cachePinned(ctx context.Context, f builder.Fetcher, cache *oci.Cache, ref string, entry builder.LockEntry, logger *slog.Logger) error {
	if cache == nil {
		return nil
	}
	if a, err := cache.Get(entry.Digest); err != nil || a != nil {
		return err
	}
	r, err := manifest.ParseReference(ref)
	if err != nil {
		return usagef("base: %v", err)
	}
	a, err := f.Pull(ctx, r.Context().String()+"@"+entry.Digest.String())
	if err != nil {
		return fmt.Errorf("fetch pinned base %s: %w", ref, err)
	}
	logger.Info("caching the pinned base for offline builds", "ref", ref, "cache", cache.Dir())
	return cache.Put(ctx, a)
}

// lockTarget finds the lock file and the base to pin.
func lockTarget(ctx context.Context, e env, specFile, base string) (string, string, error) {
	dir, err := e.getwd()
	if err != nil {
		return "", "", fmt.Errorf("find working directory: %w", err)
	}
	path, err := specPath(specFile, false, dir)
	if err != nil {
		return "", "", err
	}
	lockDir := dir
	if path != "" {
		spec, err := loadSpec(ctx, path, e, &gitFacts{dir: filepath.Dir(path)})
		if err != nil {
			return "", "", err
		}
		lockDir = spec.Dir
		if base == "" {
			base = spec.Base
		}
	}
	if !builder.IsRegistryBase(base) {
		return "", "", usagef("nothing to lock: the base %q is not a registry image (give one with --base or in lading.yaml)", base)
	}
	return filepath.Join(lockDir, builder.LockFile), base, nil
}

// pinBase writes ref's current digests into the lock at path and returns
// the pin in force.
func pinBase(ctx context.Context, f builder.Fetcher, path, ref string, update bool, stdout io.Writer) (builder.LockEntry, error) {
	lock, err := builder.ReadLock(path)
	if err != nil {
		return builder.LockEntry{}, err
	}
	old, had := lock.Bases[ref]
	if had && !update {
		fmt.Fprintf(stdout, "%s@%s (already pinned; lading lock --update moves it)\n", ref, old.Digest)
		return old, nil
	}
	entry, err := builder.Pin(ctx, f, ref)
	if err != nil {
		return builder.LockEntry{}, err
	}
	lock.Bases[ref] = entry
	if err := lock.Write(path); err != nil {
		return builder.LockEntry{}, err
	}
	switch {
	case !had:
		fmt.Fprintf(stdout, "%s@%s\n", ref, entry.Digest)
	case old.Digest != entry.Digest:
		fmt.Fprintf(stdout, "%s: %s -> %s\n", ref, old.Digest, entry.Digest)
	default:
		fmt.Fprintf(stdout, "%s@%s (unchanged)\n", ref, entry.Digest)
	}
	return entry, nil
}
