package builder

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/lading-dev/lading/manifest"
)

// Build runs req: it resolves the base, builds every platform's layers and
// image in parallel (bounded by req.Jobs), runs the built-in image checks
// and the host checks, and only then writes every output, each whole or not
// at all. The result never depends on which platform finished first.
//
// ctx scopes the whole build, including reads of registry base layers,
// which keep the context they were fetched with. An error while writing
// outputs comes with a Result listing the outputs already written.
func Build(ctx context.Context, req Request) (*Result, error) {
	if err := req.normalize(); err != nil {
		return nil, err
	}
	b, err := resolveBase(ctx, req)
	defer b.wait()
	if err != nil {
		return nil, err
	}
	platforms, err := req.targetPlatforms(b)
	if err != nil {
		return nil, err
	}
	bd := newBuild(req, b)
	if err := bd.prepareBase(ctx); err != nil {
		return nil, err
	}
	images, err := bd.platformsAndChecks(ctx, platforms)
	if err != nil {
		return nil, err
	}
	art, err := assemble(req, b, images)
	if err != nil {
		return nil, err
	}
	refs, err := bd.attachments(art, images)
	if err != nil {
		return nil, err
	}
	bd.sha1s.save(req.Logger)
	res, err := writeAll(ctx, req, b, art, images, refs)
	if res != nil {
		res.LayersPacked = bd.memo.written.Load() + bd.staticMemo.written.Load()
		if bi := bd.baseInfo(); res.Base != nil && bi != nil {
			res.Base.Digest = bi.Digest // the static base's image digest too, as the SBOM says
		}
	}
	if err == nil {
		bd.memo.publish(ctx)
		bd.staticMemo.publish(ctx)
	}
	return res, err
}

// targetPlatforms returns the platforms to build, in the order asked;
// manifest.Index sorts the index's entries itself.
func (r *Request) targetPlatforms(b base) ([]v1.Platform, error) {
	if !r.AllPlatforms {
		return r.Platforms, nil
	}
	return b.platforms()
}

// platformImage is one platform's finished image and the layers lading
// wrote for it.
type platformImage struct {
	platform v1.Platform
	image    v1.Image
	layers   []builtLayer
}

// platforms builds every platform, at most req.Jobs at once, into slots
// indexed by input position. Failures are joined in input order.
func (r *build) platforms(ctx context.Context, platforms []v1.Platform) ([]platformImage, error) {
	out := make([]platformImage, len(platforms))
	errs := make([]error, len(platforms))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.req.Jobs)
	for i, p := range platforms {
		g.Go(func() error {
			out[i], errs[i] = r.platform(gctx, p)
			return errs[i]
		})
	}
	g.Wait()
	return out, joinInOrder(ctx, errs)
}

// joinInOrder joins errs in input order, leaving out the cancellations the
// first failure caused in its siblings.
func joinInOrder(ctx context.Context, errs []error) error {
	var keep []error
	for _, err := range errs {
		if err != nil && (ctx.Err() != nil || !errors.Is(err, context.Canceled)) {
			keep = append(keep, err)
		}
	}
	return errors.Join(keep...)
}

// runChecks runs the host checks in order; the first failure stops them.
// platformsAndChecks builds the platforms while the checks run beside them
// (a no-op rebuild spent as long in `go vet` as in everything else, issue
// 10); the first failure cancels the other side. Errors come platforms
// first, then checks, whichever failed first.
func (r *build) platformsAndChecks(ctx context.Context, platforms []v1.Platform) ([]platformImage, error) {
	var images []platformImage
	errs := make([]error, 2)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		images, errs[0] = r.platforms(gctx, platforms)
		return errs[0]
	})
	g.Go(func() error {
		errs[1] = runChecks(gctx, r.req)
		return errs[1]
	})
	g.Wait()
	return images, joinInOrder(ctx, errs)
}

func runChecks(ctx context.Context, req Request) error {
	for _, c := range req.Checks {
		if err := c.Run(ctx); err != nil {
			return fmt.Errorf("check failed, nothing was written: %w", err)
		}
	}
	return nil
}

// assemble returns the single image, or an index over every platform.
func assemble(req Request, b base, images []platformImage) (product, error) {
	if len(images) == 1 {
		return product{image: images[0].image}, nil
	}
	imgs := make([]v1.Image, len(images))
	for i, pi := range images {
		imgs[i] = pi.image
	}
	anns := annotationsFor(req, b)
	anns[manifest.AnnotationCreated] = req.Epoch.UTC().Truncate(time.Second).Format(time.RFC3339)
	idx, err := manifest.Index(imgs, anns)
	if err != nil {
		return product{}, fmt.Errorf("assemble index: %w", err)
	}
	return product{index: idx}, nil
}
