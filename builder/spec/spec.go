package spec

import (
	"maps"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/manifest"
)

// Spec is a lading.yaml, loaded by Load: variables expanded, every
// field checked, relative paths made absolute against Dir. docs/spec.md
// documents each field; the YAML key is beside each Go field below.
type Spec struct {
	// Path is the spec file as given to Load; errors name it.
	Path string
	// Dir is the absolute directory holding the spec.
	Dir string
	// Base is scratch, static, a registry reference, oci-layout:DIR[:REF],
	// oci-archive:FILE[:REF] or docker-archive:FILE, as written ("" when
	// unset); `base`.
	Base string
	// Platforms lists `platforms`; AllPlatforms is `platforms: all`. Both
	// are unset when the spec does not say.
	Platforms    []v1.Platform
	AllPlatforms bool
	// Layers are `layers`, in order: one OCI layer each.
	Layers      []Layer
	Config      Config                 // `config`
	Annotations map[string]string      // `annotations`
	Tags        []string               // `tags`
	Checks      []builder.CheckCommand // `checks`
}

// Layer is one entry of `layers`: a name and exactly one kind, decoded
// straight into the builder's own description of that kind.
type Layer struct {
	Name string // `name`, unique within the spec
	// Line is where the layer starts in the spec, for errors found later.
	Line  int
	Files *builder.Files    // `files`: src, dest, mode, uid, gid, exclude, followSymlinks
	Go    *builder.GoLayer  // `go`: package, dest, ldflags, tags, flags, env
	Run   *builder.RunLayer // `run`: command, env, dir, dest
}

// Config is `config`. Entrypoint and Cmd are nil when unset; an empty
// list clears the base's.
type Config struct {
	Entrypoint   []string          // `entrypoint`
	Cmd          []string          // `cmd`
	Env          map[string]string // `env`
	Workdir      string            // `workdir`, absolute
	User         string            // `user`, NAME or UID[:GID]
	Labels       map[string]string // `labels`
	ExposedPorts []string          // `exposedPorts`, as "PORT/proto" (manifest.ParsePort)
	Volumes      []string          // `volumes`, absolute
	StopSignal   string            // `stopSignal`
}

// Patch returns the config as a manifest.Patch, with Env as KEY=VALUE pairs
// sorted by key.
func (c Config) Patch() manifest.Patch {
	return manifest.Patch{
		Entrypoint: slices.Clone(c.Entrypoint), Cmd: slices.Clone(c.Cmd),
		Env: builder.EnvList(c.Env), WorkingDir: c.Workdir, User: c.User, StopSignal: c.StopSignal,
		Labels: maps.Clone(c.Labels), ExposedPorts: slices.Clone(c.ExposedPorts), Volumes: slices.Clone(c.Volumes),
	}
}
