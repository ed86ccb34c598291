package builder

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
)

// build is one build in progress: the request, its base, and what the
// platforms share (the static base, base trees, written layers).
type build struct {
	req    Request
	base   base
	static v1.Image
	trees  *treeCache
	memo   *layerMemo
	// staticMemo writes the static base's layer, at the static epoch.
	staticMemo *layerMemo
	// slots bounds the layers being made and packed at once, across every
	// platform: -j N means N, not N platforms times N layers.
	slots chan struct{}
	// sha1s remembers the SBOM's file SHA-1s.
	sha1s *sha1Memo
}

func newBuild(req Request, b base) *build {
	return &build{req: req, base: b, trees: newTreeCache(req.Cache, req.Logger),
		memo: newLayerMemo(req, req.Epoch), staticMemo: newLayerMemo(req, staticEpoch),
		slots: make(chan struct{}, max(req.Jobs, 1)), sha1s: newSHA1Memo(req.LayerCache)}
}

// prepareBase writes the static base layer once, when the base is static.
func (r *build) prepareBase(ctx context.Context) error {
	if r.base.name != BaseStatic {
		return nil
	}
	img, err := staticBase(ctx, r.staticMemo)
	r.static = img
	return err
}

// baseImage returns the base image for p (nil for scratch).
func (r *build) baseImage(p v1.Platform) (v1.Image, error) {
	if r.static != nil {
		return r.static, nil
	}
	return r.base.image(p)
}

// builtLayer is one of lading's layers for one platform.
type builtLayer struct {
	name      string
	entries   []layer.Entry
	layer     *layer.Layer
	createdBy string
	source    string // the cache that supplied it ("": packed)
}

// platform builds p's layers (in parallel), checks and assembles its image.
func (r *build) platform(ctx context.Context, p v1.Platform) (platformImage, error) {
	baseImg, err := r.baseImage(p)
	if err != nil {
		return platformImage{}, err
	}
	beneath, err := r.trees.get(baseImg)
	if err != nil {
		return platformImage{}, err
	}
	built, err := r.layers(ctx, p, beneath)
	if err != nil {
		return platformImage{}, err
	}
	return r.assemblePlatform(p, baseImg, beneath, built)
}

// layers builds every layer for p into slots indexed by layer position,
// each holding one of the build's r.slots while it is made and packed.
func (r *build) layers(ctx context.Context, p v1.Platform, beneath *layer.Tree) ([]builtLayer, error) {
	built := make([]builtLayer, len(r.req.Layers))
	errs := make([]error, len(r.req.Layers))
	g, gctx := errgroup.WithContext(ctx)
	for i, l := range r.req.Layers {
		g.Go(func() error {
			select {
			case r.slots <- struct{}{}:
				defer func() { <-r.slots }()
			case <-gctx.Done():
				errs[i] = gctx.Err()
				return errs[i]
			}
			built[i], errs[i] = r.layer(gctx, l, p, beneath)
			return errs[i]
		})
	}
	g.Wait()
	return built, joinInOrder(ctx, errs)
}

// layer collects, plans and writes one layer for p.
func (r *build) layer(ctx context.Context, l Layer, p v1.Platform, beneath *layer.Tree) (builtLayer, error) {
	r.req.Logger.Debug("layer started", "layer", l.Name, "platform", p.String())
	entries, err := r.entries(ctx, l, p)
	if err != nil {
		return builtLayer{}, fmt.Errorf("layer %s (%s): %w", l.Name, p, err)
	}
	planned, err := layer.Plan(entries, layer.OnTopOf(beneath))
	if err != nil {
		return builtLayer{}, fmt.Errorf("layer %s (%s): %w", l.Name, p, err)
	}
	start := time.Now()
	written, err := r.memo.write(ctx, planned)
	if err != nil {
		return builtLayer{}, fmt.Errorf("layer %s (%s): %w", l.Name, p, err)
	}
	logLayer(r.req.Logger, l.Name, p, written, time.Since(start))
	return builtLayer{name: l.Name, entries: planned, layer: written.layer, createdBy: createdBy(l), source: written.source}, nil
}

// entries makes and collects a layer's files for p.
func (r *build) entries(ctx context.Context, l Layer, p v1.Platform) ([]layer.Entry, error) {
	files := l.Files
	if l.Go != nil || l.Run != nil {
		made, err := r.make(ctx, l, p)
		if err != nil {
			return nil, err
		}
		files = append(files[:len(files):len(files)], made)
	}
	var all []layer.Entry
	for _, f := range files {
		es, err := layer.Collect(f.Src, f.Dest, layer.CollectOptions{
			UID: f.UID, GID: f.GID, Mode: f.Mode, ModeSet: f.ModeSet, Exclude: f.Exclude,
			FollowSymlinks: f.FollowSymlinks, Logger: r.req.Logger,
		})
		if err != nil {
			return nil, err
		}
		all = append(all, es...)
	}
	return all, nil
}

// make runs a go or run layer's program for p and returns where its
// output lies and where it goes in the image. With a layer cache, a go
// layer builds into a directory of the cache kept for it, so go build finds
// its last binary up to date, and a run layer with inputs is skipped when
// they are unchanged (runWithInputs).
func (r *build) make(ctx context.Context, l Layer, p v1.Platform) (Files, error) {
	if l.Run != nil && len(l.Run.Inputs) > 0 && r.req.LayerCache != nil {
		src, err := r.runWithInputs(ctx, l, p)
		return Files{Src: src, Dest: l.Run.Dest}, err
	}
	dir, err := r.outputDir(l, p)
	if err != nil {
		return Files{}, fmt.Errorf("create output directory: %w", err)
	}
	if l.Go != nil {
		src, err := l.Go.make(ctx, p, dir, r.req.Host)
		return Files{Src: src, Dest: l.Go.Dest}, err
	}
	src, err := l.Run.make(ctx, p, dir, r.req.Host)
	return Files{Src: src, Dest: l.Run.Dest}, err
}

// outputDir is where a go or run layer's program writes for p: the cache's
// directory for a go layer's binary, else a fresh one in the work dir.
func (r *build) outputDir(l Layer, p v1.Platform) (string, error) {
	if l.Go == nil || r.req.LayerCache == nil {
		return os.MkdirTemp(r.req.WorkDir, "layer-*")
	}
	dir := filepath.Join(r.req.LayerCache.Dir(), "go", l.Go.outputKey(p))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	now := time.Now()
	return dir, os.Chtimes(dir, now, now) // last use, for lading cache prune
}

// logLayer says on stderr how one layer was had: from the cache, or
// packed, with its size and time.
func logLayer(logger *slog.Logger, name string, p v1.Platform, ml memoLayer, took time.Duration) {
	switch ml.source {
	case SourceLocal:
		logger.Info("layer cached", "layer", name, "platform", p.String())
		return
	case SourceRegistry:
		logger.Info("layer cached (registry)", "layer", name, "platform", p.String())
		return
	}
	logger.Info("layer packed", "layer", name, "platform", p.String(), "size", ml.layer.Info().Size,
		"seconds", fmt.Sprintf("%.2f", took.Seconds()))
}

// assemblePlatform builds p's image from its layers and runs the built-in
// image checks on the final file tree.
func (r *build) assemblePlatform(p v1.Platform, baseImg v1.Image, beneath *layer.Tree, built []builtLayer) (platformImage, error) {
	final := beneath.Clone()
	var placed []layer.Entry
	mls := make([]manifest.Layer, len(built))
	for i, b := range built {
		final.Apply(b.entries)
		placed = append(placed, b.entries...)
		mls[i] = manifest.Layer{Layer: b.layer, CreatedBy: b.createdBy}
	}
	anns, err := r.platformAnnotations(baseImg)
	if err != nil {
		return platformImage{}, err
	}
	img, err := manifest.Build(manifest.Image{
		Base: baseImg, Layers: mls, Platform: p, Epoch: r.req.Epoch,
		Config: r.req.Config, Annotations: anns,
	})
	if err != nil {
		return platformImage{}, fmt.Errorf("assemble image for %s: %w", p, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return platformImage{}, fmt.Errorf("read config for %s: %w", p, err)
	}
	checks := imageChecks{platform: p, final: final, base: beneath, placed: placed, config: cf.Config,
		skip: r.req.SkipImageChecks, workDir: r.req.WorkDir}
	if err := checks.run(); err != nil {
		return platformImage{}, err
	}
	return platformImage{platform: p, image: img, layers: built}, nil
}

// platformAnnotations are one platform image's annotations: base.digest
// names that platform's base image (the static base's included), not the
// base index.
func (r *build) platformAnnotations(baseImg v1.Image) (map[string]string, error) {
	anns := annotationsFor(r.req, r.base)
	if baseImg == nil {
		return anns, nil // scratch
	}
	d, err := baseImg.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest base image: %w", err)
	}
	anns[AnnotationBaseDigest] = d.String()
	return anns, nil
}
