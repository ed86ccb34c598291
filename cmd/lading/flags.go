package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// newFlagSet returns the flag set of `lading NAME`: flags listed in the
// order they are declared, errors returned rather than printed.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet("lading "+name, pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a subcommand's args: --help prints usage and the flags
// to stdout and returns errHelp; a malformed flag is a usage error.
func parseFlags(fs *pflag.FlagSet, args []string, usage string, stdout io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, usage+fs.FlagUsages())
			return errHelp
		}
		return usagef("%s", suggestFlag(fs, err.Error()))
	}
	return nil
}

// flagSet declares every `lading build` flag, each with an example.
func (f *buildFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("build")
	fs.StringVarP(&f.specFile, "file", "f", "", "the spec to build (default: ./lading.yaml when it exists); flags override or extend it\n  e.g. -f deploy/lading.yaml")
	fs.BoolVar(&f.noSpec, "no-spec", false, "ignore ./lading.yaml: build from flags alone\n  e.g. --no-spec --add ./bin/app:/usr/local/bin/")
	fs.StringArrayVar(&f.adds, "add", nil, "add host path SRC at image path DEST; a directory's contents land under DEST, and a DEST\n  ending in / is a directory a file goes into, as in Dockerfile COPY (repeatable)\n  e.g. --add ./bin/app:/usr/local/bin/ --add ./static:/srv/static")
	fs.StringArrayVar(&f.gos, "go", nil, "build Go package PKG (relative to the working directory, or an import path) for every --platform, as a spec's\n  go layer does, into its own layer with the binary at DEST (repeatable)\n  e.g. --go ./cmd/server:/usr/local/bin/server")
	fs.StringVar(&f.base, "base", "scratch", "base image: scratch, static (built-in distroless-style), oci-layout:DIR[:REF|@DIGEST],\n  oci-archive:FILE[:REF|@DIGEST], docker-archive:FILE or a registry reference; DIR and FILE\n  end at the first colon, REF is a ref name (example.com/app:v1) or its bare tag (v1)\n  e.g. --base static or --base oci-layout:out:example.com/app:v1")
	fs.StringArrayVar(&f.platforms, "platform", []string{defaultPlatform()}, "target platform os/arch[/variant], an os/arch Go builds for and an OCI variant (arm/v7,\n  amd64/v3); several (repeated or comma-separated) build an index; all builds every platform the base has\n  e.g. --platform linux/amd64,linux/arm64")
	fs.StringVar(&f.archivePlatform, "archive-platform", "", "the platform a multi-platform build's --docker-archive holds (default: the host's)\n  e.g. --archive-platform linux/arm64")
	fs.StringArrayVar(&f.skipChecks, "skip-image-checks", nil, "turn off a built-in image check: entrypoint, elf-arch, user, base-symlink (repeatable)\n  e.g. --skip-image-checks entrypoint")
	fs.IntVarP(&f.jobs, "jobs", "j", 0, "layers made and packed at once, across all platforms (default: number of CPUs)\n  e.g. -j 2")
	fs.IntVar(&f.compressionJobs, "compression-jobs", 0, "workers compressing each layer (default: number of CPUs); the bytes are the same for any number\n  e.g. --compression-jobs 1")
	fs.StringVar(&f.entrypoint, "entrypoint", "", "entrypoint: a JSON array, or one path\n  e.g. --entrypoint '[\"/app\",\"serve\"]' or --entrypoint /app")
	fs.StringVar(&f.cmd, "cmd", "", "default arguments: a JSON array, or one path\n  e.g. --cmd '[\"--port\",\"8080\"]'")
	fs.StringArrayVar(&f.envs, "env", nil, "environment variable K=V (repeatable)\n  e.g. --env PORT=8080")
	fs.StringVar(&f.workdir, "workdir", "", "working directory, absolute\n  e.g. --workdir /srv")
	fs.StringVar(&f.user, "user", "", "user (and group) to run as, by number or name\n  e.g. --user 65532:65532")
	fs.StringArrayVar(&f.labels, "label", nil, "config label K=V (repeatable)\n  e.g. --label team=web")
	fs.StringArrayVar(&f.annotations, "annotation", nil, "manifest annotation K=V (repeatable)\n  e.g. --annotation org.opencontainers.image.title=app")
	fs.StringArrayVar(&f.exposes, "expose", nil, "exposed port PORT[/PROTO], PROTO tcp (default), udp or sctp, written PORT/PROTO as Docker does (repeatable)\n  e.g. --expose 8080 --expose 53/udp")
	fs.StringArrayVar(&f.volumes, "volume", nil, "volume mount point, absolute (repeatable)\n  e.g. --volume /data")
	fs.StringVar(&f.stopSignal, "stop-signal", "", "signal that stops the container\n  e.g. --stop-signal SIGTERM")
	fs.StringArrayVarP(&f.tags, "tag", "t", nil, "image reference; names the image in local outputs and is pushed with --push;\n  replaces the spec's tags (repeatable)\n  e.g. -t example.com/web/app:v1")
	fs.StringArrayVar(&f.tagAdds, "tag-add", nil, "image reference added to the spec's tags (or to -t's) (repeatable)\n  e.g. --tag-add example.com/web/app:latest")
	fs.StringArrayVar(&f.layouts, "oci-layout", nil, "write an OCI image layout to DIR[:REF], under ref name REF (default: the first --tag in full,\n  else latest); DIR ends at the first colon, so REF may hold colons\n  e.g. --oci-layout ./out:v1 or --oci-layout ./out:example.com/app:v1")
	fs.StringArrayVar(&f.ociArchives, "oci-archive", nil, "write an oci-archive tarball FILE[:REF], REF as for --oci-layout; FILE ends at the first colon;\n  - streams it to stdout once the build is complete (./- is a file); the SBOM and provenance sit beside the\n  image, so podman reads it as oci-archive:FILE:REF (podman load -i wants one entry: --sbom=false --provenance=false)\n  e.g. --oci-archive app.oci.tar, or --oci-archive - | gzip > app.oci.tar.gz")
	fs.StringArrayVar(&f.dockers, "docker-archive", nil, "write a docker-archive tarball (docker/podman load) FILE, with --tag as RepoTags; its layers are gzip\n  even with --compression zstd (old docker load cannot read zstd); its result line FILE@sha256:… names the\n  image ID (config digest) that docker images / podman images show; - streams it to stdout\n  e.g. --docker-archive app.docker.tar, or --docker-archive - | docker load")
	fs.StringVar(&f.compression, "compression", "gzip", "layer compression: gzip, zstd or none (a --docker-archive stores zstd layers as gzip)\n  e.g. --compression zstd")
	fs.IntVar(&f.level, "compression-level", 0, "compression level (gzip 1-9, zstd 1-22; 0 = pinned default: gzip 6, zstd 3)\n  e.g. --compression-level 9")
	fs.StringVar(&f.epoch, "source-date-epoch", "", "Unix time for every timestamp (default: $SOURCE_DATE_EPOCH, else git HEAD's commit time, else 0)\n  e.g. --source-date-epoch 1700000000")
	fs.StringVar(&f.metadataFile, "metadata-file", "", "write JSON describing the image, its layers and every output to FILE; - writes it to stdout\n  (at most one of --oci-archive, --docker-archive, --metadata-file may be -; result lines then go to stderr)\n  e.g. --metadata-file build.json")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "lading's cache: finished layers, go and run outputs, digest-pinned bases\n  (default: $LADING_CACHE_DIR, else $XDG_CACHE_HOME/lading, else ~/.cache/lading)\n  e.g. --cache-dir /var/cache/lading")
	fs.StringVar(&f.cacheRepo, "cache-repo", "", "share finished layers through this registry repository: look each layer up there before packing it,\n  publish the layers this build packed (REPO:layer-<cache key>); a failing cache repo is a warning, never a failed build\n  e.g. --cache-repo registry.example/team/app-cache")
	fs.BoolVar(&f.noCache, "no-cache", false, "pack every layer and run every command afresh, reading and writing no layer cache\n  e.g. --no-cache")
	fs.BoolVar(&f.push, "push", false, "push the image or index to every tag (-t's, else the spec's, and --tag-add's), after the local outputs\n  e.g. --push -t registry.example/web/app:v1")
	f.trust.add(fs)
	f.remote.addPush(fs)
	f.remote.addTLS(fs)
	f.log.add(fs)
	fs.Usage = func() {}
	return fs
}
