package main

import (
	"context"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/builder/sign"
	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

// pushFlags is the CLI's plain config for `lading push`.
type pushFlags struct {
	remote       remoteFlags
	metadataFile string
	signKey      string
	log          logFlags
}

// signer loads --sign-key; nil without one.
func (f *pushFlags) signer(e env) (builder.Signer, error) {
	if f.signKey == "" {
		return nil, nil
	}
	s, err := sign.LoadSigner(f.signKey, signPassword(e, f.signKey))
	if err != nil {
		return nil, usageError{fmt.Errorf("--sign-key: %w", err)}
	}
	return s, nil
}

const pushUsage = `Usage: lading push [flags] SRC REF...

Pushes the image or index in SRC to every registry reference REF (tags or
digests): blobs first (only those the registry lacks; base layers mounted
from their repository when it is on the same registry), then each platform
manifest, then the index, then the SBOMs, provenances and other OCI 1.1
artifacts a layout or oci-archive holds beside the image (lading build
writes them there; the referrers API or the sha256-<hex> tag fallback, as
the registry allows), tags last, so a failed or interrupted push never
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
	attached, err := attachedDocuments(ctx, fs.Arg(0), src, work)
	if err != nil {
		return err
	}
	signer, err := f.signer(e)
	if err != nil {
		return err
	}
	res, referrers, err := builder.PushWithReferrers(ctx, client, src, attached, refs, signer, logger)
	if err != nil {
		return err
	}
	if f.metadataFile != "" {
		doc := struct {
			*registry.PushResult
			Referrers []builder.PushedReferrer `json:"referrers,omitempty"`
		}{res, referrers}
		if err := writeJSON(f.metadataFile, doc); err != nil {
			return err
		}
	}
	for _, r := range res.Refs {
		fmt.Fprintln(stdout, r.Line())
	}
	return nil
}

// attachedDocuments reads the SBOMs, provenances and other artifacts a
// layout or oci-archive holds beside src (lading build writes them there),
// for its manifests and its platform images'; a registry or docker-archive
// source has none here.
func attachedDocuments(ctx context.Context, arg string, src oci.Artifact, work string) ([]v1.Image, error) {
	local, ok := localSource(arg)
	if !ok || local.Kind == "docker-archive" {
		return nil, nil
	}
	subjects, err := manifestDigests(src)
	if err != nil {
		return nil, err
	}
	at := localAttached(ctx, local, work)
	var out []v1.Image
	for _, d := range subjects {
		descs, err := at.list(d, "")
		if err != nil {
			return nil, err
		}
		for _, desc := range descs {
			a, err := at.open(desc.Digest)
			if err != nil {
				return nil, err
			}
			img, ok := a.(v1.Image)
			if !ok {
				return nil, fmt.Errorf("%s: the referrer %s is not an artifact manifest", arg, desc.Digest)
			}
			out = append(out, img)
		}
	}
	return out, nil
}

// manifestDigests lists a's digest and, for an index, its manifests'.
func manifestDigests(a oci.Artifact) ([]v1.Hash, error) {
	d, err := a.Digest()
	if err != nil {
		return nil, err
	}
	out := []v1.Hash{d}
	if idx, ok := a.(v1.ImageIndex); ok {
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, m := range im.Manifests {
			out = append(out, m.Digest)
		}
	}
	return out, nil
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
	fs.StringVar(&f.signKey, "sign-key", "", "sign every pushed manifest and the index, and attest the SBOMs and provenances SRC holds, in cosign's\n  format, as lading build --sign-key does (password from $LADING_SIGN_PASSWORD, else asked on a terminal)\n  e.g. --sign-key cosign.key")
	f.log.add(fs)
	return fs
}
