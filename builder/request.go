package builder

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
)

// Add maps a host path into the image: a file lands at Dest, a directory's
// contents land under Dest.
type Add struct {
	Src, Dest string
}

// OutputKind names a kind of output.
type OutputKind string

// The local output kinds.
const (
	OCILayout     OutputKind = "oci-layout"
	OCIArchive    OutputKind = "oci-archive"
	DockerArchive OutputKind = "docker-archive"
)

// Output is one place the image is written. Ref names the image inside a
// layout or oci-archive (its index.json ref.name); empty means the first
// tag in full ("example.com/app:v1", which podman load uses as the image
// name), else "latest".
type Output struct {
	Kind OutputKind
	Path string
	Ref  string
}

// Request is everything one build needs. cmd fills it from flags and the
// environment; nothing in it is read again from the outside world.
type Request struct {
	Adds     []Add
	Platform v1.Platform
	Config   manifest.Patch
	// Annotations go on the image manifest.
	Annotations map[string]string
	Compression layer.Compression
	Level       int
	// Epoch is the build's one time source.
	Epoch time.Time
	// Tags name the image: repoTags in a docker-archive, and the default
	// ref name in layouts.
	Tags    []string
	Outputs []Output
	// WorkDir holds intermediate layer files; the caller creates and
	// removes it.
	WorkDir string
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
}

// validate checks the request before any work starts.
func (r *Request) validate() error {
	if len(r.Outputs) == 0 {
		return fmt.Errorf("no output given")
	}
	for _, t := range r.Tags {
		if _, err := name.NewTag(t); err != nil {
			return fmt.Errorf("parse tag %q: %w", t, err)
		}
	}
	seen := map[string]bool{}
	for _, o := range r.Outputs {
		if seen[o.Path] {
			return fmt.Errorf("output path %s is named twice", o.Path)
		}
		seen[o.Path] = true
	}
	return nil
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
		ref, err := name.NewTag(t)
		if err == nil && !strings.HasSuffix(t, ":"+ref.TagStr()) {
			t += ":" + ref.TagStr()
		}
		out = append(out, t)
	}
	return out
}
