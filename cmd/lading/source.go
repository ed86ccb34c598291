package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/inspect"
	"github.com/lading-dev/lading/registry/oci"
)

// sourceFlags are the flags of the commands that read an image from any
// source lading reads (inspect, ls, diff): the registry's TLS settings and
// the platform to pick from an index.
type sourceFlags struct {
	remote   remoteFlags
	platform string
}

// sourceHelp lists the sources, for the usage texts that read them.
const sourceHelp = `SRC is one of:
  REGISTRY/REPO:TAG or @DIGEST    an image or index in a registry (pulled with
                                 the credentials lading push uses)
  oci-layout:DIR[:REF|@DIGEST]   an OCI image layout (a plain DIR works too)
  oci-archive:FILE[:REF|@DIGEST] an oci-archive tarball
  docker-archive:FILE            a docker save / lading --docker-archive tarball
A plain path that exists is read as a layout or archive, by its contents;
anything else as a registry reference.
`

// add declares the source flags on fs.
func (f *sourceFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.platform, "platform", "", "read the image for os/arch[/variant] of an index\n  e.g. --platform linux/arm64")
	f.remote.addTLS(fs)
}

// open opens src, then the image for --platform when one is given. work
// must outlive the artifact (an oci-archive is extracted into it), and
// so must ctx (a registry's layers are fetched with it when read).
func (f *sourceFlags) open(ctx context.Context, e env, src, work string, stderr io.Writer) (oci.Artifact, error) {
	var p *v1.Platform
	if f.platform != "" {
		pl, err := manifest.ParsePlatform(f.platform)
		if err != nil {
			return nil, usagef("--platform: %v", err)
		}
		p = &pl
	}
	a, err := f.openAny(ctx, e, src, work, stderr)
	if err != nil {
		return nil, err
	}
	if a, err = inspect.Select(a, p); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return a, nil
}

// openAny opens a local source (prefixed or an existing path) or pulls a
// registry reference.
func (f *sourceFlags) openAny(ctx context.Context, e env, src, work string, stderr io.Writer) (oci.Artifact, error) {
	_, local := oci.ParseLocal(src)
	_, statErr := os.Stat(src)
	if local || statErr == nil {
		return openSource(ctx, src, work)
	}
	if filepath.IsAbs(src) || strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") {
		// A path, not a reference: ggcr would read /tmp/out as a Docker
		// Hub repository and send the typo to the network.
		return nil, usagef("SRC: %v", statErr)
	}
	if err := unknownKind(src); err != nil {
		return nil, err
	}
	if _, err := manifest.ParseReference(src); err != nil {
		return nil, usagef("SRC %q is no file or directory here, no oci-layout:, oci-archive: or docker-archive: source, "+
			"and no registry reference (%v)", src, err)
	}
	client, _, err := f.registryClient(e, src, stderr)
	if err != nil {
		return nil, err
	}
	return client.Pull(ctx, src)
}

// localKinds are the prefixes of local sources.
var localKinds = []string{"oci-layout", "oci-archive", "docker-archive"}

// unknownKind refuses SRC "KIND:PATH" whose KIND is no source kind, such
// as a mistyped oci-archve:/tmp/app.tar: ggcr would take KIND for a
// registry host and look it up on the network. A registry reference's
// part after its first colon is a port or a tag, never a path.
func unknownKind(src string) error {
	kind, rest, ok := strings.Cut(src, ":")
	if !ok || strings.ContainsAny(kind, "./") || !(strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, ".")) {
		return nil
	}
	best, bestD := "", 4
	for _, k := range localKinds {
		if d := manifest.EditDistance(kind, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return usagef("SRC %q: unknown source kind %q; did you mean %s:%s?", src, kind, best, rest)
	}
	return usagef("SRC %q: unknown source kind %q (want oci-layout:, oci-archive: or docker-archive:, or a registry reference)", src, kind)
}

// attachedSource lists and opens the documents attached to manifests in a
// source (OCI 1.1 artifacts with a subject): a layout's or oci-archive's
// index.json, or a registry's referrers (API, else the tag fallback). A
// docker-archive holds none.
type attachedSource struct {
	// list returns the descriptors attached to d, of artifactType when it
	// is not "".
	list func(d v1.Hash, artifactType string) ([]v1.Descriptor, error)
	// open opens an attached artifact by digest.
	open func(d v1.Hash) (oci.Artifact, error)
}

// localAttached is the attachedSource of a local source; an oci-archive is
// extracted into work when an artifact is opened.
func localAttached(ctx context.Context, local oci.LocalRef, work string) attachedSource {
	var list func(v1.Hash) ([]v1.Descriptor, error)
	switch local.Kind {
	case "oci-layout":
		list = func(d v1.Hash) ([]v1.Descriptor, error) { return oci.LayoutReferrers(local.Path, d) }
	case "oci-archive":
		list = func(d v1.Hash) ([]v1.Descriptor, error) { return oci.OCIArchiveReferrers(local.Path, d) }
	default:
		list = func(v1.Hash) ([]v1.Descriptor, error) { return nil, nil }
	}
	return attachedSource{
		list: func(d v1.Hash, artifactType string) ([]v1.Descriptor, error) {
			descs, err := list(d)
			return slices.DeleteFunc(descs, func(desc v1.Descriptor) bool {
				return artifactType != "" && desc.ArtifactType != artifactType
			}), err
		},
		open: func(d v1.Hash) (oci.Artifact, error) {
			return oci.LocalRef{Kind: local.Kind, Path: local.Path, Selector: "@" + d.String()}.Open(ctx, work)
		},
	}
}

// attached is the attachedSource of src: local (prefixed, or a path that
// exists) or a registry reference, read with the TLS flags.
func (f *sourceFlags) attached(ctx context.Context, e env, src, work string, stderr io.Writer) (attachedSource, error) {
	if local, ok := localSource(src); ok {
		return localAttached(ctx, local, work), nil
	}
	client, repo, err := f.registryClient(e, src, stderr)
	if err != nil {
		return attachedSource{}, err
	}
	return attachedSource{
		list: func(d v1.Hash, artifactType string) ([]v1.Descriptor, error) {
			return client.Referrers(ctx, repo, d, artifactType)
		},
		open: func(d v1.Hash) (oci.Artifact, error) { return client.Pull(ctx, repo+"@"+d.String()) },
	}, nil
}

// registryClient is a client for src's registry, with the TLS flags, and
// src's repository.
func (f *sourceFlags) registryClient(e env, src string, stderr io.Writer) (*registry.Client, string, error) {
	ref, err := manifest.ParseReference(src)
	if err != nil {
		return nil, "", usagef("%q is no oci-layout:, oci-archive: or existing path, and no registry reference (%v)", src, err)
	}
	f.remote.pushJobs, f.remote.retries, f.remote.progress = registry.DefaultPushJobs, registry.DefaultRetries, "none"
	client, err := f.remote.client(e, stderr, newLogger(stderr, true))
	if err != nil {
		return nil, "", err
	}
	return client, ref.Context().Name(), nil
}
