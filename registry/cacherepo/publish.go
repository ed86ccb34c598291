package cacherepo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/lading-dev/lading/layer"
)

// publishJobs bounds concurrent publishes: network work (STYLE.md, rule 11).
const publishJobs = 4

// Publish puts each layer under its key (blob, then the entry manifest
// under the key's tag, through Client.Push), publishJobs at a time, in key
// order. Failures are one warning, never an error: the build they follow
// has succeeded. It does nothing once the repository is down.
func (r *Repo) Publish(ctx context.Context, layers map[string]*layer.Layer) {
	if r.down.Load() || len(layers) == 0 {
		return
	}
	keys := slices.Sorted(maps.Keys(layers))
	errs := make([]error, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(publishJobs)
	for i, key := range keys {
		g.Go(func() error {
			errs[i] = r.publish(gctx, key, layers[key])
			return nil // one failure does not stop the others
		})
	}
	g.Wait()
	if n := len(keys) - countErrs(errs); n > 0 {
		r.logger.Info("published layers to the cache repository", "repository", r.repo.String(), "layers", n)
	}
	if err := errors.Join(errs...); err != nil && ctx.Err() == nil {
		r.logger.Warn("could not publish layers to the cache repository; other runners will pack them",
			"repository", r.repo.String(), "failed", countErrs(errs), "of", len(keys), "err", err)
	}
}

// publish puts one layer under key.
func (r *Repo) publish(ctx context.Context, key string, l *layer.Layer) error {
	if !validKey(key) {
		return fmt.Errorf("publish %q: not a layer cache key", key)
	}
	img, err := newEntry(key, l)
	if err != nil {
		return err
	}
	if _, err := r.client.Push(ctx, img, []string{r.Tag(key)}); err != nil {
		return fmt.Errorf("publish %s: %w", r.Tag(key), err)
	}
	return nil
}

// countErrs counts the failures in errs.
func countErrs(errs []error) int {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	return n
}
