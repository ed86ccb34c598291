package builder

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/cache"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry/oci"
)

// Layer is one layer of the image, built for every platform, of exactly one
// kind: host files, a Go program (Go) or what a host command leaves in $OUT
// (Run). The spec's `files`, `go` and `run` layers are these three kinds.
type Layer struct {
	Name  string
	Files []Files
	Go    *GoLayer
	Run   *RunLayer
}

// Files maps host path Src into the image: a file lands at Dest (inside
// it, when Dest ends in "/"), a directory's contents land under Dest
// (layer.Collect). In a spec it is a `files` layer.
type Files struct {
	Src  string // `src`, absolute
	Dest string // `dest`, an absolute image path
	// Mode replaces regular files' permission bits when ModeSet (`mode`,
	// an octal string such as "0644").
	Mode    fs.FileMode
	ModeSet bool
	UID     int // `uid`, default 0
	GID     int // `gid`, default 0
	// Exclude holds .dockerignore patterns (`exclude`); the spec loader
	// puts "**/.git" first, so a `!**/.git` pattern brings .git back.
	Exclude []string
	// FollowSymlinks stores what links point to, refusing links that
	// leave Src (`followSymlinks`).
	FollowSymlinks bool
}

// OutputKind names a kind of output.
type OutputKind string

// The local output kinds.
const (
	OCILayout     OutputKind = "oci-layout"
	OCIArchive    OutputKind = "oci-archive"
	DockerArchive OutputKind = "docker-archive"
	// Registry is a pushed reference: Path is the repository.
	Registry OutputKind = "registry"
)

// Output is one place the image is written. Ref names the image inside a
// layout or oci-archive (its index.json ref.name); empty means the first
// tag in full ("example.com/app:v1", which podman load uses as the image
// name), else "latest".
type Output struct {
	Kind OutputKind
	Path string
	Ref  string
	// To, when set, receives an archive output instead of a file at Path:
	// the archive is written whole into WorkDir first and only then copied
	// to To, so To sees nothing of a failed build. Path only names the
	// output in results ("-" for stdout). A layout cannot be streamed.
	To io.Writer
}

// Request is everything one build needs. cmd fills it from flags, the spec
// and the environment; nothing in it is read again from the outside world.
type Request struct {
	// Base is scratch (or ""), static, oci-layout:DIR[:REF|@DIGEST],
	// oci-archive:FILE[:REF|@DIGEST], docker-archive:FILE or a registry
	// reference (split by oci.ParseLocal).
	Base string
	// Fetcher pulls registry bases; nil makes a registry base that is not
	// in Cache an error.
	Fetcher Fetcher
	// Lock pins registry base tags to digests; nil pins nothing.
	Lock *Lock
	// Cache keeps digest-pinned registry bases; nil caches nothing.
	Cache *oci.Cache
	// LayerCache keeps finished layers by cache key, and go and run
	// outputs, across builds; nil caches nothing (every layer is packed).
	LayerCache *cache.Cache
	// SharedCache is the layer cache tier shared through a registry
	// (--cache-repo, registry/cacherepo): asked for a layer LayerCache
	// lacks before it is packed, and given the layers this build packed
	// once it has succeeded. nil has none; it needs LayerCache, where the
	// layers it supplies are kept.
	SharedCache SharedCache
	// Push pushes the image or index to every tag with Pusher, after the
	// local outputs are written.
	Push   bool
	Pusher Pusher
	// Platforms to build; AllPlatforms takes every platform the base has.
	Platforms    []v1.Platform
	AllPlatforms bool
	Layers       []Layer
	Config       manifest.Patch
	// Annotations go on every image manifest and on the index.
	Annotations map[string]string
	// Checks run on the host, in order, beside the layers being built, and
	// finish before any output is written; one failing means no output.
	Checks []Check
	// Host is what go builds, run layers and checks start from.
	Host HostEnv
	// SkipImageChecks names built-in image checks to turn off.
	SkipImageChecks []string
	Compression     layer.Compression
	Level           int
	// Epoch is the build's one time source.
	Epoch time.Time
	// Tags name the image: repoTags in a docker-archive, and the default
	// ref name in layouts.
	Tags    []string
	Outputs []Output
	// ArchivePlatform picks the image a multi-platform docker-archive gets
	// (default: the host's platform).
	ArchivePlatform *v1.Platform
	// Jobs bounds the layers being made and packed at once, across every
	// platform, and the platforms in progress (default: the number of CPUs).
	Jobs int
	// CompressionJobs is how many workers compress each layer (default:
	// GOMAXPROCS); the bytes do not depend on it.
	CompressionJobs int
	// WorkDir holds intermediate files; the caller creates and removes it.
	WorkDir string
	// Attest says which supply-chain documents to attach, and signs.
	Attest Attest
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
}

// Check is a host command run before outputs are written.
type Check interface {
	Run(ctx context.Context) error
}

// normalize fills defaults and checks the request before any work starts.
func (r *Request) normalize() error {
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Jobs <= 0 {
		r.Jobs = runtime.GOMAXPROCS(0)
	}
	if len(r.Platforms) == 0 && !r.AllPlatforms {
		return fmt.Errorf("no platform given")
	}
	if len(r.Outputs) == 0 && !r.Push {
		return fmt.Errorf("no output given")
	}
	if r.SharedCache != nil && r.LayerCache == nil {
		return fmt.Errorf("a shared layer cache needs the local layer cache to keep its layers")
	}
	if r.Push && (r.Pusher == nil || len(r.Tags) == 0) {
		return fmt.Errorf("push: no registry client or no tag to push to")
	}
	for _, t := range r.Tags {
		if _, err := manifest.ParseTag(t); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, o := range r.Outputs {
		if seen[o.Path] {
			return fmt.Errorf("output path %s is named twice", o.Path)
		}
		seen[o.Path] = true
		if o.To != nil && r.WorkDir == "" {
			return fmt.Errorf("output %s is streamed, which needs a WorkDir", o.Path)
		}
	}
	if err := CheckOutputs(r.Outputs); err != nil {
		return err
	}
	return checkSkips(r.SkipImageChecks)
}

// refName returns the layout ref name for o.
func (r *Request) refName(o Output) string {
	if o.Ref != "" {
		return o.Ref
	}
	if len(r.Tags) > 0 {
		return r.repoTags()[0]
	}
	return "latest"
}

// repoTags returns the tags in docker-archive form (always with a tag).
func (r *Request) repoTags() []string {
	out := make([]string, 0, len(r.Tags))
	for _, t := range r.Tags {
		ref, err := manifest.ParseTag(t)
		if err == nil && !strings.HasSuffix(t, ":"+ref.TagStr()) {
			t += ":" + ref.TagStr()
		}
		out = append(out, t)
	}
	return out
}
