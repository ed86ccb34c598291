package main

import (
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/manifest"
)

// overlayTags lays -t and --tag-add over the spec's tags: -t, when given,
// replaces them (a trial push with -t must not also move the spec's real
// tags, issue #9), and --tag-add extends whichever list that leaves.
// Every tag is checked here, so a malformed one is a usage error.
func (f *buildFlags) overlayTags(fs *pflag.FlagSet, req *builder.Request) error {
	if err := parseTags("-t/--tag", f.tags); err != nil {
		return err
	}
	if err := parseTags("--tag-add", f.tagAdds); err != nil {
		return err
	}
	if fs.Changed("tag") {
		req.Tags = slices.Clone(f.tags)
	}
	req.Tags = append(req.Tags, f.tagAdds...)
	return nil
}

// parseTags checks each tag flag's values with the one tag parser.
func parseTags(flag string, values []string) error {
	for _, t := range values {
		if _, err := manifest.ParseTag(t); err != nil {
			return usagef("%s: %v", flag, err)
		}
	}
	return nil
}

// checkNotEmpty refuses a build with nothing in it: no layer on scratch
// used to exit 0 with an empty image (issue #9).
func checkNotEmpty(req builder.Request) error {
	if len(req.Layers) > 0 || (req.Base != "" && req.Base != builder.BaseScratch) {
		return nil
	}
	return usagef("nothing to build: no layer on a scratch base; give --add SRC:DEST (e.g. --add ./bin/app:/usr/local/bin/), --go PKG:DEST, " +
		"a lading.yaml in the working directory, or -f FILE")
}

// announceSpec says on stderr which spec the build reads, so that a
// ./lading.yaml is never used silently.
func announceSpec(logger *slog.Logger, flag, path string) {
	if flag != "" {
		logger.Info("reading spec", "file", path)
		return
	}
	logger.Info(fmt.Sprintf("reading spec ./%s from the working directory (-f names another, --no-spec ignores it)", defaultSpec), "file", path)
}

// goLayers appends one `go` layer per --go PKG:DEST, built in dir (the
// working directory) exactly as a spec's go layer is, and gives go build
// the process environment when no spec did.
func (f *buildFlags) goLayers(req *builder.Request, dir string, e env, logger *slog.Logger) error {
	for _, v := range f.gos {
		i := strings.LastIndex(v, ":/")
		if i <= 0 || strings.HasSuffix(v, "/") {
			return usagef("--go %q: want PKG:DEST with DEST the binary's absolute path, e.g. ./cmd/server:/usr/local/bin/server", v)
		}
		g := &builder.GoLayer{Package: v[:i], Dir: dir, Dest: path.Clean(v[i+1:])}
		req.Layers = append(req.Layers, builder.Layer{Name: "go", Go: g})
	}
	if len(f.gos) > 0 && req.Host.Base == nil {
		req.Host = builder.HostEnv{Base: e.environ(), Logger: logger}
	}
	return nil
}
