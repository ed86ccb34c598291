package builder

import (
	"io/fs"
	"maps"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/manifest"
)

// Spec is a lading.yaml, loaded by LoadSpec: variables expanded, every
// field checked, relative paths made absolute against Dir. docs/spec.md
// documents each field; the YAML key is beside each Go field below.
type Spec struct {
	// Path is the spec file as given to LoadSpec; errors name it.
	Path string
	// Dir is the absolute directory holding the spec.
	Dir string
	// Base is scratch, static, a registry reference, oci-layout:DIR[:TAG],
	// oci-archive:FILE[:TAG] or docker-archive:FILE, as written ("" when
	// unset); `base`.
	Base string
	// Platforms lists `platforms`; AllPlatforms is `platforms: all`. Both
	// are unset when the spec does not say.
	Platforms    []v1.Platform
	AllPlatforms bool
	// Layers are `layers`, in order: one OCI layer each.
	Layers      []SpecLayer
	Config      SpecConfig        // `config`
	Annotations map[string]string // `annotations`
	Tags        []string          // `tags`
	Checks      []SpecCheck       // `checks`
}

// SpecLayer is one entry of `layers`: a name and exactly one kind.
type SpecLayer struct {
	Name string // `name`, unique within the spec
	// Line is where the layer starts in the spec, for errors found later.
	Line  int
	Files *FilesLayer // `files`
	Go    *GoLayer    // `go`
	Run   *RunLayer   // `run`
}

// FilesLayer places host files: a file at Dest, or a directory's contents
// under Dest.
type FilesLayer struct {
	Src  string // `src`, absolute
	Dest string // `dest`, an absolute image path
	// Mode replaces regular files' permission bits when ModeSet (`mode`,
	// an octal string such as "0644").
	Mode    fs.FileMode
	ModeSet bool
	UID     int // `uid`, default 0
	GID     int // `gid`, default 0
	// Exclude holds .dockerignore patterns (`exclude`), after "**/.git",
	// which the loader puts first: a `!**/.git` pattern brings .git back.
	Exclude []string
	// FollowSymlinks stores what links point to (`followSymlinks`).
	FollowSymlinks bool
}

// GoLayer is a Go main package built for each platform by BuildGo.
type GoLayer struct {
	// Package is `package` as written: "./cmd/server" (relative to Dir)
	// or an import path in the spec's module.
	Package string
	// Dir is where go build runs: the spec's directory.
	Dir     string
	Dest    string            // `dest`, the binary's absolute image path
	Ldflags []string          // `ldflags`, one argument per item
	Tags    []string          // `tags`, build tags
	Flags   []string          // `flags`, more go build flags
	Env     map[string]string // `env`, over the parent's and lading's
}

// RunLayer is a host command run for each platform by RunStep; what it
// leaves in $OUT becomes the layer at Dest.
type RunLayer struct {
	Command []string          // `command`, an argv list
	Env     map[string]string // `env`
	Dir     string            // `dir`, absolute; default the spec's directory
	Dest    string            // `dest`, an absolute image path
}

// SpecCheck is one entry of `checks`: a host command run by RunCheck.
type SpecCheck struct {
	Command []string          // `command`, an argv list
	Env     map[string]string // `env`
	Dir     string            // `dir`, absolute; default the spec's directory
	Line    int               // where the check starts in the spec
}

// SpecConfig is `config`. Entrypoint and Cmd are nil when unset; an empty
// list clears the base's.
type SpecConfig struct {
	Entrypoint   []string          // `entrypoint`
	Cmd          []string          // `cmd`
	Env          map[string]string // `env`
	Workdir      string            // `workdir`, absolute
	User         string            // `user`, NAME or UID[:GID]
	Labels       map[string]string // `labels`
	ExposedPorts []string          // `exposedPorts`, PORT[/tcp|udp|sctp]
	Volumes      []string          // `volumes`, absolute
	StopSignal   string            // `stopSignal`
}

// Patch returns the config as a manifest.Patch, with Env as KEY=VALUE pairs
// sorted by key.
func (c SpecConfig) Patch() manifest.Patch {
	return manifest.Patch{
		Entrypoint: slices.Clone(c.Entrypoint), Cmd: slices.Clone(c.Cmd),
		Env: envList(c.Env), WorkingDir: c.Workdir, User: c.User, StopSignal: c.StopSignal,
		Labels: maps.Clone(c.Labels), ExposedPorts: slices.Clone(c.ExposedPorts), Volumes: slices.Clone(c.Volumes),
	}
}

// envList returns m as KEY=VALUE pairs sorted by key; nil for an empty m.
func envList(m map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return out
}
