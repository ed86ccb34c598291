package builder

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/registry/oci"
)

// pinnedFetcher resolves registry bases through the lock and the base
// cache: a locked tag is fetched by its pinned digest, a digest already in
// the cache needs no network, and a tag that has moved since it was locked
// gets a warning (when the registry can be reached at all).
type pinnedFetcher struct {
	next   Fetcher
	lock   *Lock
	cache  *oci.Cache
	logger *slog.Logger
	// checks tracks the moved-tag checks running beside the build.
	checks sync.WaitGroup
}

// movedCheckTimeout bounds the moved-tag check, which runs beside the build:
// offline, it should cost the build nothing, not a round of retries.
const movedCheckTimeout = 3 * time.Second

var _ Fetcher = (*pinnedFetcher)(nil)

// Pull implements Fetcher.
func (p *pinnedFetcher) Pull(ctx context.Context, ref string) (oci.Artifact, error) {
	pinned := ref
	entry, locked := LockEntry{}, false
	if p.lock != nil {
		entry, locked = p.lock.Bases[ref]
	}
	if locked {
		pinned = repoOf(ref) + "@" + entry.Digest.String()
	}
	d, isDigest := digestOf(pinned)
	if isDigest && p.cache != nil {
		if a, err := p.cache.Get(d); err != nil || a != nil {
			if a != nil {
				p.logger.Info("base from cache", "ref", ref, "digest", d.String())
				p.checkMoved(ctx, ref, entry, locked)
			}
			return a, err
		}
	}
	if p.next == nil {
		return nil, fmt.Errorf("no registry client configured")
	}
	a, err := p.next.Pull(ctx, pinned)
	if err != nil {
		return nil, err
	}
	if isDigest && p.cache != nil {
		if err := p.cache.Put(ctx, a); err != nil {
			return nil, err
		}
	}
	p.checkMoved(ctx, ref, entry, locked)
	return a, nil
}

// checkMoved starts warnIfMoved beside the build; wait waits for it.
func (p *pinnedFetcher) checkMoved(ctx context.Context, ref string, entry LockEntry, locked bool) {
	p.checks.Add(1)
	go func() {
		defer p.checks.Done()
		ctx, cancel := context.WithTimeout(ctx, movedCheckTimeout)
		defer cancel()
		p.warnIfMoved(ctx, ref, entry, locked)
	}()
}

// wait returns when every moved-tag check has finished.
func (p *pinnedFetcher) wait() { p.checks.Wait() }

// warnIfMoved compares a locked tag with what it resolves to now.
func (p *pinnedFetcher) warnIfMoved(ctx context.Context, ref string, entry LockEntry, locked bool) {
	if !locked || p.next == nil {
		return
	}
	if _, isDigest := digestOf(ref); isDigest {
		return
	}
	now, err := Pin(ctx, p.next, ref)
	if err != nil {
		p.logger.Debug("could not check whether the locked base moved", "ref", ref, "err", err)
		return
	}
	if now.Digest != entry.Digest {
		p.logger.Warn("base tag has moved since it was locked; the build uses the locked digest (lading lock --update moves it)",
			"ref", ref, "locked", entry.Digest.String(), "now", now.Digest.String())
	}
}

// repoOf strips the tag or digest from ref.
func repoOf(ref string) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ref
	}
	return r.Context().String()
}

// digestOf returns the digest ref pins, if it pins one.
func digestOf(ref string) (v1.Hash, bool) {
	i := strings.LastIndex(ref, "@")
	if i < 0 {
		return v1.Hash{}, false
	}
	d, err := v1.NewHash(ref[i+1:])
	return d, err == nil
}
