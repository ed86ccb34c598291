package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/cache"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/cacherepo"
	"github.com/lading-dev/lading/registry/oci"
)

// defaultPlatform is linux on the host's architecture.
func defaultPlatform() string {
	if runtime.GOARCH == "arm" {
		return "linux/arm/v7"
	}
	return "linux/" + runtime.GOARCH
}

// request converts the spec (if any) and the flags laid over it into a
// builder.Request, once.
func (f *buildFlags) request(ctx context.Context, fs *pflag.FlagSet, e env, logger *slog.Logger) (builder.Request, error) {
	dir, err := e.getwd()
	if err != nil {
		return builder.Request{}, fmt.Errorf("find working directory: %w", err)
	}
	req, git, err := f.fromSpec(ctx, e, dir, logger)
	if err != nil {
		return req, err
	}
	req.Logger, req.Jobs, req.CompressionJobs, req.SkipImageChecks = logger, f.jobs, f.compressionJobs, f.skipChecks
	for _, c := range f.skipChecks {
		if !slices.Contains(builder.ImageCheckNames(), c) {
			return req, usagef("--skip-image-checks %q: unknown check (known: %s)", c, strings.Join(builder.ImageCheckNames(), ", "))
		}
		logger.Warn("built-in image check turned off", "check", c)
	}
	if err := f.overlay(fs, &req); err != nil {
		return req, err
	}
	if err := f.goLayers(&req, dir, e, logger); err != nil {
		return req, err
	}
	if err := f.packing(&req); err != nil {
		return req, err
	}
	req.Cache = baseCache(f.cacheDir, e)
	if req.Outputs, err = f.outputs(logger); err != nil {
		return req, err
	}
	epoch, source, err := resolveEpoch(ctx, f.epoch, fs.Changed("source-date-epoch"), e, git)
	if err != nil {
		return req, err
	}
	logger.Info("build epoch", "epoch", epoch.Format("2006-01-02T15:04:05Z"), "from", source)
	req.Epoch = epoch
	specFile, err := specPath(f.specFile, f.noSpec, dir)
	if err != nil {
		return req, err
	}
	if err := f.trust.attest(ctx, &req, specFile, git, e, f.push); err != nil {
		return req, err
	}
	return req, checkNotEmpty(req)
}

// fromSpec starts the request from the spec, when there is one, and
// returns the checkout whose git facts give the default epoch: the spec's,
// else the working directory's.
func (f *buildFlags) fromSpec(ctx context.Context, e env, dir string, logger *slog.Logger) (builder.Request, *gitFacts, error) {
	path, err := specPath(f.specFile, f.noSpec, dir)
	if err != nil || path == "" {
		return builder.Request{Base: builder.BaseScratch}, &gitFacts{dir: dir}, err
	}
	announceSpec(logger, f.specFile, path)
	git := &gitFacts{dir: filepath.Dir(path)}
	spec, err := loadSpec(ctx, path, e, git)
	if err != nil {
		return builder.Request{}, git, err
	}
	req := spec.Request(builder.HostEnv{Base: e.environ(), Logger: logger})
	if req.Base == "" {
		req.Base = builder.BaseScratch
	}
	req.Annotations = mergeMaps(gitAnnotations(git.get(ctx)), req.Annotations)
	if req.Lock, err = builder.ReadLock(filepath.Join(spec.Dir, builder.LockFile)); err != nil {
		return req, git, err
	}
	return req, git, nil
}

// overlay lays the flags over the request: a flag that is set overrides
// the spec's value, or extends it for lists and maps; -t replaces the
// spec's tags (as ko's --tags does) and --tag-add extends them.
func (f *buildFlags) overlay(fs *pflag.FlagSet, req *builder.Request) error {
	if fs.Changed("base") {
		req.Base = f.base
	}
	if fs.Changed("platform") || (len(req.Platforms) == 0 && !req.AllPlatforms) {
		all, platforms, err := parsePlatforms(f.platforms)
		if err != nil {
			return err
		}
		req.AllPlatforms, req.Platforms = all, platforms
	}
	var err error
	if req.ArchivePlatform, err = archivePlatform(f.archivePlatform); err != nil {
		return err
	}
	adds, err := parseAdds(f.adds)
	if err != nil {
		return err
	}
	if len(adds) > 0 {
		req.Layers = append(req.Layers, builder.Layer{Name: "add", Files: adds})
	}
	patch, err := f.patch()
	if err != nil {
		return err
	}
	req.Config = req.Config.Then(patch)
	anns, err := parseKVMap("--annotation", f.annotations)
	if err != nil {
		return err
	}
	req.Annotations = mergeMaps(req.Annotations, anns)
	return f.overlayTags(fs, req)
}

// cacheRoot is lading's cache directory: --cache-dir, else
// $LADING_CACHE_DIR, else $XDG_CACHE_HOME/lading, else ~/.cache/lading;
// "" when none of them is known (nothing is cached).
func cacheRoot(flag string, e env) string {
	switch l, x, home := e.getenv("LADING_CACHE_DIR"), e.getenv("XDG_CACHE_HOME"), e.getenv("HOME"); {
	case flag != "":
		return flag
	case l != "":
		return l
	case x != "":
		return filepath.Join(x, "lading")
	case home != "":
		return filepath.Join(home, ".cache", "lading")
	}
	return ""
}

// baseCache is the cache of digest-pinned bases under cacheRoot; nil (no
// caching) when there is no cache directory.
func baseCache(dir string, e env) *oci.Cache {
	root := cacheRoot(dir, e)
	if root == "" {
		return nil
	}
	return oci.NewCache(filepath.Join(root, "bases"))
}

// layerCache opens the layer cache under cacheRoot; nil with --no-cache or
// when there is no cache directory. The caller closes it.
func (f *buildFlags) layerCache(e env, logger *slog.Logger) (*cache.Cache, error) {
	root := cacheRoot(f.cacheDir, e)
	if f.noCache || root == "" {
		return nil, nil
	}
	c, err := cache.Open(filepath.Join(root, "layers"), logger)
	if err != nil {
		return nil, usageError{fmt.Errorf("--cache-dir: %w (give a writable directory, or --no-cache)", err)}
	}
	return c, nil
}

// sharedCache opens --cache-repo through the build's registry client; the
// layers it supplies are kept in the layer cache, which it needs.
func (f *buildFlags) sharedCache(client *registry.Client, local *cache.Cache, logger *slog.Logger) (builder.SharedCache, error) {
	if f.cacheRepo == "" {
		return nil, nil
	}
	if local == nil {
		return nil, usagef("--cache-repo needs the layer cache, where shared layers are kept: drop --no-cache, or give --cache-dir")
	}
	repo, err := cacherepo.New(client, f.cacheRepo, logger)
	if err != nil {
		return nil, usageError{fmt.Errorf("--cache-repo: %w", err)}
	}
	return repo, nil
}

// packing sets the compressor from the flags.
func (f *buildFlags) packing(req *builder.Request) error {
	var err error
	if req.Compression, err = layer.ParseCompression(f.compression); err != nil {
		return usageError{fmt.Errorf("--compression: %w", err)}
	}
	if err := req.Compression.CheckLevel(f.level); err != nil {
		return usageError{fmt.Errorf("--compression-level: %w", err)}
	}
	req.Level = f.level
	return nil
}

// mergeMaps returns a's entries overridden by b's.
func mergeMaps(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	out := maps.Clone(a)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, b)
	return out
}

// parsePlatforms parses --platform values, each one or a comma list, or
// the single word all (every platform the base offers).
func parsePlatforms(values []string) (bool, []v1.Platform, error) {
	if len(values) == 1 && values[0] == "all" {
		return true, nil, nil
	}
	var out []v1.Platform
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			p, err := manifest.ParsePlatform(strings.TrimSpace(s))
			if err != nil {
				return false, nil, usageError{fmt.Errorf("--platform: %w", err)}
			}
			out = append(out, p)
		}
	}
	return false, out, nil
}

// archivePlatform is the platform a multi-platform docker-archive holds:
// the flag's, else the host's.
func archivePlatform(v string) (*v1.Platform, error) {
	if v == "" {
		v = defaultPlatform()
	}
	p, err := manifest.ParsePlatform(v)
	if err != nil {
		return nil, usageError{fmt.Errorf("--archive-platform: %w", err)}
	}
	return &p, nil
}

// parseAdds parses --add SRC:DEST values. DEST is absolute, so the split
// is at the last ":/" and SRC may itself contain colons. A SRC that does
// not exist is a usage error, found before any build work.
func parseAdds(values []string) ([]builder.Files, error) {
	out := make([]builder.Files, 0, len(values))
	for _, v := range values {
		i := strings.LastIndex(v, ":/")
		if i <= 0 {
			return nil, usagef("--add %q: want SRC:DEST with an absolute DEST, e.g. ./bin/app:/usr/local/bin/app", v)
		}
		if _, err := os.Lstat(v[:i]); errors.Is(err, os.ErrNotExist) {
			return nil, usagef("--add %q: %v (SRC is a host path, relative to the working directory)", v, err)
		}
		out = append(out, builder.Files{Src: v[:i], Dest: v[i+1:]})
	}
	return out, nil
}

// patch converts the runtime-config flags.
func (f *buildFlags) patch() (manifest.Patch, error) {
	p := manifest.Patch{WorkingDir: f.workdir, User: f.user, StopSignal: f.stopSignal, Env: f.envs}
	var err error
	if p.Entrypoint, err = parseArgv("--entrypoint", f.entrypoint); err != nil {
		return p, err
	}
	if p.Cmd, err = parseArgv("--cmd", f.cmd); err != nil {
		return p, err
	}
	for _, kv := range f.envs {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return p, usagef("--env %q: want KEY=VALUE", kv)
		}
	}
	if f.workdir != "" && !path.IsAbs(f.workdir) {
		return p, usagef("--workdir %q: must be absolute", f.workdir)
	}
	if p.Labels, err = parseKVMap("--label", f.labels); err != nil {
		return p, err
	}
	if p.ExposedPorts, err = parsePorts(f.exposes); err != nil {
		return p, err
	}
	for _, v := range f.volumes {
		if !path.IsAbs(v) {
			return p, usagef("--volume %q: must be an absolute path", v)
		}
	}
	p.Volumes = f.volumes
	return p, nil
}

// parseArgv reads a JSON array of strings, or a single path; "" is unset.
func parseArgv(flag, v string) ([]string, error) {
	if v == "" {
		return nil, nil
	}
	if !strings.HasPrefix(strings.TrimSpace(v), "[") {
		return []string{v}, nil
	}
	var argv []string
	if err := json.Unmarshal([]byte(v), &argv); err != nil {
		return nil, usagef("%s %q: not a JSON array of strings: %v", flag, v, err)
	}
	return argv, nil
}

// parseKVMap parses repeated K=V values into a map.
func parseKVMap(flag string, values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(values))
	for _, kv := range values {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("%s %q: want KEY=VALUE", flag, kv)
		}
		m[k] = v
	}
	return m, nil
}

// parsePorts normalises --expose values to "PORT/proto", as the spec's
// exposedPorts are (manifest.ParsePort).
func parsePorts(values []string) ([]string, error) {
	out := make([]string, 0, len(values))
	for _, v := range values {
		p, err := manifest.ParsePort(v)
		if err != nil {
			return nil, usagef("--expose: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// outputs converts the output flags; with none, ./lading-out is the layout.
func (f *buildFlags) outputs(logger *slog.Logger) ([]builder.Output, error) {
	var out []builder.Output
	for _, flag := range []struct {
		kind   builder.OutputKind
		values []string
	}{{builder.OCILayout, f.layouts}, {builder.OCIArchive, f.ociArchives}} {
		kind := flag.kind
		for _, v := range flag.values {
			p, ref := oci.SplitRef(v)
			if strings.HasPrefix(ref, "@") {
				return nil, usagef("--%s %q: an output is named by a tag, not a digest (the digest is what the build makes)", kind, v)
			}
			out = append(out, builder.Output{Kind: kind, Path: p, Ref: ref})
		}
	}
	for _, v := range f.dockers {
		out = append(out, builder.Output{Kind: builder.DockerArchive, Path: v})
	}
	for _, o := range out {
		if o.Path == "" {
			return nil, usagef("--%s: empty path", o.Kind)
		}
	}
	if len(out) == 0 && !f.push {
		logger.Warn("no output named; writing an OCI layout to ./lading-out")
		out = append(out, builder.Output{Kind: builder.OCILayout, Path: "lading-out"})
	}
	return out, nil
}
