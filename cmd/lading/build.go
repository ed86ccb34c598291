package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// errHelp ends a command after --help was printed.
var errHelp = errors.New("help requested")

// buildFlags is the CLI's plain config for `lading build`, converted once
// into a builder.Request by request().
type buildFlags struct {
	adds, gos, envs, labels         []string
	annotations                     []string
	exposes, volumes, tags, tagAdds []string
	layouts, ociArchives, dockers   []string
	base, archivePlatform           string
	platforms, skipChecks           []string
	jobs, compressionJobs           int
	entrypoint, cmd                 string
	workdir, user, stopSignal       string
	compression                     string
	level                           int
	epoch                           string
	metadataFile                    string
	push                            bool
	remote                          remoteFlags
	specFile, cacheDir, cacheRepo   string
	noCache, noSpec                 bool
	log                             logFlags
	trust                           trustFlags
}

const buildUsage = `Usage: lading build [flags]

Builds an image from lading.yaml (./lading.yaml when it exists, unless
--no-spec, or -f FILE; stderr says which) and/or host paths added with --add,
for one platform or several (an index), runs the built-in image checks and the
spec's checks, then writes it to every output named and, with --push, to every
tag. Flags override or extend the spec; -t replaces the spec's tags and
--tag-add extends them. With no spec, --add is required (or a --base). Results go to stdout, one DEST@sha256:… line per output; progress goes
to stderr. Exit codes: 0 success, 1 build error, 2 usage error,
130 interrupted.

Examples:
  lading build -f lading.yaml --oci-layout out --push -t registry.example/web/app:v1
  lading build --base static --add ./bin/app:/usr/local/bin/app --entrypoint /usr/local/bin/app \
    -t example.com/app:v1 --oci-archive app.oci.tar --docker-archive app.docker.tar

Flags:
`

// runBuild implements `lading build`.
func runBuild(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f buildFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, buildUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (inputs are given with --add SRC:DEST)", fs.Arg(0))
	}
	logger, done, err := f.log.progressLogger(stderr, e, f.remote.progress)
	if err != nil {
		return err
	}
	defer done()
	req, err := f.request(ctx, fs, e, logger)
	if err != nil {
		return err
	}
	streaming, err := f.streams(req.Outputs, stdout)
	if err != nil {
		return err
	}
	if err := f.checkOutputs(req.Outputs); err != nil {
		return err
	}
	if err := f.checkCollisions(req); err != nil {
		return err
	}
	results := stdout
	if streaming {
		results = stderr // stdout carries the stream alone
	}
	client, err := f.remote.client(e, stderr, logger)
	if err != nil {
		return err
	}
	req.Fetcher = client
	if f.push {
		if len(req.Tags) == 0 {
			return usagef("--push needs a reference to push to: name one with -t/--tag or the spec's tags")
		}
		req.Pusher, req.Push = client, true
	}
	if req.LayerCache, err = f.layerCache(e, logger); err != nil {
		return err
	}
	if req.LayerCache != nil {
		defer req.LayerCache.Close()
	}
	if req.SharedCache, err = f.sharedCache(client, req.LayerCache, logger); err != nil {
		return err
	}
	atomicfile.RemoveStale(os.TempDir(), "lading-build-*") // left by killed builds
	work, err := os.MkdirTemp("", "lading-build-*")
	if err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	defer os.RemoveAll(work)
	req.WorkDir = work
	res, err := builder.Build(ctx, req)
	if res != nil {
		// Outputs written before a failure are whole: say so on stdout.
		for _, w := range res.Outputs {
			fmt.Fprintln(results, w.Line())
		}
	}
	if err != nil {
		return err
	}
	if f.metadataFile != "" {
		return writeMetadata(f.metadataFile, res, stdout)
	}
	return nil
}
