package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry/oci"
)

// pushFlags is the CLI's plain config for `lading push`.
type pushFlags struct {
	remote       remoteFlags
	metadataFile string
	log          logFlags
}

const pushUsage = `Usage: lading push [flags] SRC REF...

Pushes the image or index in SRC to every registry reference REF (tags or
digests): blobs first (only those the registry lacks; base layers mounted
from their repository when it is on the same registry), then each platform
manifest, then the index, tags last, so a failed or interrupted push never
leaves a tag on an incomplete image. This is the air-gapped hand-off: build
on one side, push on the other.

SRC is one of:
  oci-layout:DIR[:REF|@DIGEST]   an OCI image layout (a plain DIR works too)
  oci-archive:FILE[:REF|@DIGEST] an oci-archive tarball
  docker-archive:FILE            a docker save / lading --docker-archive tarball
DIR and FILE end at the first colon: in oci-layout:out:example.com/app:v1 the
layout is out and REF is example.com/app:v1, the ref name lading gives an image
built with -t example.com/app:v1. A bare tag (v1) selects the one ref name
ending in :v1. A plain DIR is read as a layout, and a plain FILE as whichever
archive its contents show it is.

Credentials come from docker's config.json ($DOCKER_CONFIG or ~/.docker),
its credential helpers, and podman's auth.json; see lading login. stdout
gets one REPO@sha256:… line per REF. Exit codes: 0 success, 1 error,
2 usage error, 130 interrupted.

Example:
  lading push oci-layout:out:v1 registry.example/web/app:v1 registry.example/web/app:latest

Flags:
`

// runPush implements `lading push`.
func runPush(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f pushFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, pushUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() < 2 {
		return usagef("want SRC and at least one REF, e.g. lading push oci-layout:out registry.example/app:v1")
	}
	refs := fs.Args()[1:]
	for _, r := range refs {
		if _, err := manifest.ParseReference(r); err != nil {
			return usagef("REF %q: %v", r, err)
		}
	}
	logger, done, err := f.log.progressLogger(stderr, e, f.remote.progress)
	if err != nil {
		return err
	}
	defer done()
	client, err := f.remote.client(e, stderr, logger)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "lading-push-*")
	if err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	defer os.RemoveAll(work)
	src, err := openSource(ctx, fs.Arg(0), work)
	if err != nil {
		return err
	}
	res, err := client.Push(ctx, src, refs)
	if err != nil {
		return err
	}
	if f.metadataFile != "" {
		if err := writeJSON(f.metadataFile, res); err != nil {
			return err
		}
	}
	for _, r := range res.Refs {
		fmt.Fprintln(stdout, r.Line())
	}
	return nil
}

// openSource opens SRC: an OCI layout, an oci-archive (extracted into
// work, which must outlive the artifact) or a docker-archive.
func openSource(ctx context.Context, src, work string) (oci.Artifact, error) {
	if local, ok := oci.ParseLocal(src); ok {
		return local.Open(ctx, work)
	}
	if fi, err := os.Stat(src); err == nil && fi.IsDir() {
		return oci.OpenLayout(src, "")
	} else if err == nil && fi.Mode().IsRegular() {
		return openArchive(ctx, src, work)
	}
	return nil, usagef("SRC %q: want oci-layout:DIR[:REF|@DIGEST], oci-archive:FILE[:REF|@DIGEST], docker-archive:FILE or an OCI layout directory", src)
}

// openArchive opens a tarball given without a prefix, by its contents.
func openArchive(ctx context.Context, path, work string) (oci.Artifact, error) {
	kind, err := oci.ArchiveKind(path)
	switch {
	case err != nil:
		return nil, err
	case kind == "oci-archive":
		return oci.OpenOCIArchive(ctx, path, "", work)
	case kind == "docker-archive":
		return oci.OpenDockerArchive(path)
	}
	return nil, usagef("SRC %q is neither an oci-archive nor a docker-archive (no oci-layout or manifest.json in it)", path)
}

// writeJSON writes v as indented JSON to path, atomically.
func writeJSON(path string, v any) error {
	return atomicfile.WriteJSON(path, 0o644, "  ", v)
}

// flagSet declares every `lading push` flag, binding them to f.
func (f *pushFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("push")
	f.remote.addPush(fs)
	f.remote.addTLS(fs)
	fs.StringVar(&f.metadataFile, "metadata-file", "", "write JSON listing every reference and digest pushed, each platform's manifest included, to FILE\n  e.g. --metadata-file push.json")
	f.log.add(fs)
	return fs
}
