package builder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/lading-dev/lading/registry/oci"
)

// Fetcher resolves a registry reference to an image or index. cmd passes
// the registry client here, so bases are pulled with the same credentials
// and TLS settings pushes use.
type Fetcher interface {
	Pull(ctx context.Context, ref string) (oci.Artifact, error)
}

// Built-in base names.
const (
	BaseScratch = "scratch"
	BaseStatic  = "static"
)

// base is a resolved base: nothing (scratch), the built-in static base, or
// an image or index from a layout, archive or registry.
type base struct {
	name     string       // as the user wrote it
	artifact oci.Artifact // nil for built-ins
	// wait waits for work the resolution left running (a moved-tag check).
	wait func()
	// refName is what the base.name annotation says: the registry
	// reference, or a local base's TAG; never a host path, which would
	// differ between checkouts.
	refName string
}

// resolveBase opens the base req names. ctx scopes any registry fetch, and
// must live as long as the build: ggcr's remote layers keep it.
func resolveBase(ctx context.Context, req Request) (base, error) {
	b := base{name: req.Base, wait: func() {}}
	var err error
	local, isLocal := oci.ParseLocal(req.Base)
	switch {
	case req.Base == "" || req.Base == BaseScratch:
		b.name = BaseScratch
	case req.Base == BaseStatic:
		b.refName = BaseStatic
	case isLocal:
		b.artifact, err = local.Open(ctx, req.WorkDir)
		b.refName = localRefName(local.Selector)
	default:
		f := &pinnedFetcher{next: req.Fetcher, lock: req.Lock, cache: req.Cache, logger: req.Logger}
		b.wait = f.wait
		b.artifact, err = f.Pull(ctx, req.Base)
		b.refName = req.Base
	}
	if err != nil {
		return b, fmt.Errorf("resolve base %s: %w", req.Base, err)
	}
	return b, nil
}

// localRefName is what a local base's selector says about its name: a
// full reference ("registry.example/base:v1") is kept; a bare tag or a
// digest names nothing a reader could pull, so it is dropped.
func localRefName(sel string) string {
	if strings.HasPrefix(sel, "@") || !strings.Contains(sel, "/") {
		return ""
	}
	return sel
}

// builtin reports whether the base is scratch or static (no artifact).
func (b base) builtin() bool { return b.artifact == nil }

// platforms lists the platforms a base index offers, for `platforms: all`.
func (b base) platforms() ([]v1.Platform, error) {
	idx, ok := b.artifact.(v1.ImageIndex)
	if !ok {
		return nil, fmt.Errorf("platforms: all needs a multi-platform base; %s is a single image, so name the platforms", b.name)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read base index %s: %w", b.name, err)
	}
	var out []v1.Platform
	for _, m := range im.Manifests {
		if m.Platform != nil && m.Platform.OS != "unknown" {
			out = append(out, *m.Platform)
		}
	}
	return out, nil
}

// image returns the base image for p: nil for built-ins, the image itself
// (whatever its platform) for a single-image base, or the index entry that
// matches p, with an error listing what the index has when none does.
func (b base) image(p v1.Platform) (v1.Image, error) {
	switch a := b.artifact.(type) {
	case nil:
		return nil, nil
	case v1.Image:
		return a, checkImagePlatform(b.name, a, p)
	case v1.ImageIndex:
		return pickPlatform(b.name, a, p)
	}
	return nil, fmt.Errorf("base %s is neither an image nor an index", b.name)
}

func pickPlatform(name string, idx v1.ImageIndex, p v1.Platform) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read base index %s: %w", name, err)
	}
	var have []string
	for _, m := range im.Manifests {
		if m.Platform == nil {
			continue
		}
		if m.Platform.Satisfies(p) {
			return openPlatform(name, idx, im.Manifests, m)
		}
		have = append(have, m.Platform.String())
	}
	return nil, fmt.Errorf("base %s has no image for platform %s (it has: %s)", name, p, strings.Join(have, ", "))
}

// digest returns the base's digest, for annotations and metadata.
func (b base) digest() (v1.Hash, error) {
	if b.builtin() {
		return v1.Hash{}, nil
	}
	return partial.Digest(b.artifact)
}

// checkImagePlatform rejects a single-image base built for another
// platform than p (an image with no platform in its config passes).
func checkImagePlatform(name string, img v1.Image, p v1.Platform) error {
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("read base config %s: %w", name, err)
	}
	if have := cf.Platform(); have != nil && have.OS != "" && !have.Satisfies(p) {
		return fmt.Errorf("base %s is a single image for %s; it cannot serve platform %s", name, have, p)
	}
	return nil
}

// openPlatform opens the base index's entry m and reads its manifest and
// config at once. An export of one platform of a multi-platform image
// keeps the index's full list but only that platform's blobs; building for
// a missing one then fails here, naming the platform, its digest and the
// platforms the base does hold, rather than later with a blob's path
// inside a temporary extraction directory (issue 9).
func openPlatform(name string, idx v1.ImageIndex, all []v1.Descriptor, m v1.Descriptor) (v1.Image, error) {
	img, err := readEntry(idx, m.Digest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("base %s lists platform %s as %s, but that image's blobs are not in it "+
			"(an export of some platforms only?); build for a platform it holds (%s) with --platform: %w",
			name, m.Platform, m.Digest, strings.Join(heldPlatforms(idx, all), ", "), fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("base %s, platform %s (%s): %w", name, m.Platform, m.Digest, err)
	}
	return img, nil
}

// readEntry opens an index entry as an image and reads its manifest and
// config, which lazy images (layouts, registries) otherwise read later.
func readEntry(idx v1.ImageIndex, d v1.Hash) (v1.Image, error) {
	img, err := idx.Image(d)
	if err != nil {
		return nil, err
	}
	if _, err := img.RawConfigFile(); err != nil {
		return nil, err
	}
	return img, nil
}

// heldPlatforms lists the platforms of all whose image can be read.
func heldPlatforms(idx v1.ImageIndex, all []v1.Descriptor) []string {
	var out []string
	for _, m := range all {
		if m.Platform == nil {
			continue
		}
		if _, err := readEntry(idx, m.Digest); err == nil {
			out = append(out, m.Platform.String())
		}
	}
	if len(out) == 0 {
		out = append(out, "none")
	}
	return out
}
