package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path"
	"runtime"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
)

// defaultPlatform is linux on the host's architecture.
func defaultPlatform() string {
	if runtime.GOARCH == "arm" {
		return "linux/arm/v7"
	}
	return "linux/" + runtime.GOARCH
}

// request converts the parsed flags into a builder.Request, once.
func (f *buildFlags) request(ctx context.Context, fs *pflag.FlagSet, e env, logger *slog.Logger) (builder.Request, error) {
	req := builder.Request{Tags: f.tags, Logger: logger, Base: f.base, Jobs: f.jobs, SkipImageChecks: f.skipChecks}
	var err error
	for _, c := range f.skipChecks {
		logger.Warn("built-in image check turned off", "check", c)
	}
	if req.Platforms, err = parsePlatforms(f.platforms); err != nil {
		return req, err
	}
	if req.ArchivePlatform, err = archivePlatform(f.archivePlatform); err != nil {
		return req, err
	}
	adds, err := parseAdds(f.adds)
	if err != nil {
		return req, err
	}
	if len(adds) > 0 {
		req.Layers = append(req.Layers, builder.Layer{Name: "add", Files: adds})
	}
	if req.Config, err = f.patch(); err != nil {
		return req, err
	}
	if req.Annotations, err = parseKVMap("--annotation", f.annotations); err != nil {
		return req, err
	}
	if req.Compression, err = layer.ParseCompression(f.compression); err != nil {
		return req, usageError{fmt.Errorf("--compression: %w", err)}
	}
	if err := req.Compression.CheckLevel(f.level); err != nil {
		return req, usageError{fmt.Errorf("--compression-level: %w", err)}
	}
	req.Level = f.level
	if req.Outputs, err = f.outputs(logger); err != nil {
		return req, err
	}
	dir, err := e.getwd()
	if err != nil {
		return req, fmt.Errorf("find working directory: %w", err)
	}
	epoch, source, err := resolveEpoch(ctx, f.epoch, fs.Changed("source-date-epoch"), e, dir)
	if err != nil {
		return req, err
	}
	logger.Info("build epoch", "epoch", epoch.Format("2006-01-02T15:04:05Z"), "from", source)
	req.Epoch = epoch
	return req, nil
}

// parsePlatforms parses --platform values, each one or a comma list.
func parsePlatforms(values []string) ([]v1.Platform, error) {
	var out []v1.Platform
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			p, err := manifest.ParsePlatform(strings.TrimSpace(s))
			if err != nil {
				return nil, usageError{fmt.Errorf("--platform: %w", err)}
			}
			out = append(out, p)
		}
	}
	return out, nil
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
// is at the last ":/" and SRC may itself contain colons.
func parseAdds(values []string) ([]builder.Files, error) {
	out := make([]builder.Files, 0, len(values))
	for _, v := range values {
		i := strings.LastIndex(v, ":/")
		if i <= 0 {
			return nil, usagef("--add %q: want SRC:DEST with an absolute DEST, e.g. ./bin/app:/usr/local/bin/app", v)
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

// parsePorts normalises PORT[/PROTO] values to "PORT/proto".
func parsePorts(values []string) ([]string, error) {
	out := make([]string, 0, len(values))
	for _, v := range values {
		port, proto, ok := strings.Cut(v, "/")
		if !ok {
			proto = "tcp"
		}
		n, err := strconv.Atoi(port)
		proto = strings.ToLower(proto)
		if err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp" && proto != "sctp") {
			return nil, usagef("--expose %q: want PORT[/PROTO] with PORT 1-65535 and PROTO tcp, udp or sctp", v)
		}
		out = append(out, fmt.Sprintf("%d/%s", n, proto))
	}
	return out, nil
}

// outputs converts the output flags; with none, ./lading-out is the layout.
func (f *buildFlags) outputs(logger *slog.Logger) ([]builder.Output, error) {
	var out []builder.Output
	for _, v := range f.layouts {
		p, ref := splitRef(v)
		out = append(out, builder.Output{Kind: builder.OCILayout, Path: p, Ref: ref})
	}
	for _, v := range f.ociArchives {
		p, ref := splitRef(v)
		out = append(out, builder.Output{Kind: builder.OCIArchive, Path: p, Ref: ref})
	}
	for _, v := range f.dockers {
		out = append(out, builder.Output{Kind: builder.DockerArchive, Path: v})
	}
	for _, o := range out {
		if o.Path == "" {
			return nil, usagef("--%s: empty path", o.Kind)
		}
	}
	if len(out) == 0 {
		logger.Warn("no output named; writing an OCI layout to ./lading-out")
		out = append(out, builder.Output{Kind: builder.OCILayout, Path: "lading-out"})
	}
	return out, nil
}

// splitRef splits PATH[:REF]; a colon followed by a slash belongs to PATH.
func splitRef(v string) (string, string) {
	i := strings.LastIndex(v, ":")
	if i < 0 || strings.Contains(v[i+1:], "/") {
		return v, ""
	}
	return v[:i], v[i+1:]
}
