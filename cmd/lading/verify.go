package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/builder/sign"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/inspect"
	"github.com/lading-dev/lading/registry/oci"
)

// verifyFlags is the CLI's plain config for `lading verify`.
type verifyFlags struct {
	source    sourceFlags
	specFile  string
	against   string
	signature bool
	key       string
	keepWork  bool
}

// errUnverified is what runVerify returns when the check fails: exit 1,
// with the report already on stdout.
var errUnverified = errors.New("not verified")

const verifyUsage = `Usage: lading verify [-f lading.yaml] --against SRC [-- BUILD FLAGS]
       lading verify --signature --key cosign.pub REF

The first form rebuilds the image and compares it with SRC, digest by digest.
The provenance lading build attaches to SRC names the commit, the spec's path
in the checkout, the platforms, the tags and the build epoch. verify clones
that commit out of the git checkout it runs in (or -f's), with git, into a
scratch directory, and builds the spec there afresh: no layer cache, and
another TMPDIR, umask and GOMAXPROCS than its own (it says which on stderr).
The clone's origin URL is set to the one the provenance records (nothing is
fetched from it), so the source and revision annotations match. On a match
it prints "verified: SRC is sha256:…" and exits 0; otherwise it prints both
digests and what differs, as lading diff does (config fields, layers, files,
SRC first), and exits 1. The scratch directory is removed unless --keep.

What a user must know:
  - The commit must be in the checkout: a missing one is an error saying to
    git fetch it. The spec and every input it reads must be committed; if
    SRC was built from a checkout with uncommitted changes (the provenance
    says so), verify warns, and the rebuild differs wherever they mattered.
    Outputs written inside the checkout make it dirty too: .gitignore them.
  - The spec, platforms, tags, epoch and compression are recorded and used.
    Flags the original build had beyond those (--base, --add, --env, ...)
    go after --, e.g. -- --env MODE=prod; the spec's ${VAR}s are read from
    verify's environment, as lading build reads them.
  - A base named by a tag that has moved since gives another image: pin
    bases with lading lock and commit lading.lock.
  - Go's build cache is used (its entries are keyed by their inputs).
  - Without a provenance (--provenance=false, or an image lading did not
    build) it rebuilds HEAD with the spec's platforms and tags at HEAD's
    commit time, and says so on stderr.
  - A docker-archive carries no provenance and cannot be verified.

The second form checks REF's cosign signature (its sha256-<hex>.sig tag) and
attestations (.att) with the public key, and that every attestation's
subject is REF's digest; for an index, every platform image's too (with
--platform, that platform's image alone). It exits 0
when every check passes, 1 otherwise.

SRC is a registry reference, oci-layout:DIR[:REF|@DIGEST] or
oci-archive:FILE[:REF|@DIGEST] (a plain path that exists is read as a layout
or an archive). A platform image (--platform picks one out of an index, or
name it by digest) is compared with that platform's image of the rebuilt
index.

Exit codes: 0 verified, 1 not verified or failed, 2 usage.

Examples:
  lading verify --against registry.example/app:v1
  lading verify -f deploy/lading.yaml --against oci-layout:out:v1
  lading verify --against app.oci.tar -- --env MODE=prod
  lading verify --against oci-layout:out:v1 --platform linux/arm64
  lading verify --signature --key cosign.pub registry.example/app:v1

Flags:
`

func (f *verifyFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("verify")
	fs.StringVarP(&f.specFile, "file", "f", "", "the spec, in the checkout to rebuild from (default: ./lading.yaml)\n  e.g. -f deploy/lading.yaml")
	fs.StringVar(&f.against, "against", "", "the image to rebuild and compare with\n  e.g. --against registry.example/app:v1")
	fs.BoolVar(&f.signature, "signature", false, "check REF's cosign signatures and attestations with --key instead of rebuilding\n  e.g. --signature --key cosign.pub")
	fs.StringVar(&f.key, "key", "", "the public key (PEM) for --signature\n  e.g. --key cosign.pub")
	fs.BoolVar(&f.keepWork, "keep", false, "keep the scratch directory (the clone and the rebuilt layout) and print its path\n  e.g. --keep")
	f.source.add(fs)
	return fs
}

// runVerify implements `lading verify`.
func runVerify(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f verifyFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, verifyUsage, stdout); err != nil {
		return err
	}
	positional, extra := fs.Args(), []string(nil)
	if at := fs.ArgsLenAtDash(); at >= 0 {
		positional, extra = fs.Args()[:at], fs.Args()[at:]
	}
	if f.signature {
		if len(positional) != 1 || f.key == "" || f.against != "" || extra != nil {
			return usagef("--signature wants --key PUBLIC.pem and one REF, e.g. lading verify --signature --key cosign.pub registry.example/app:v1")
		}
		return f.verifySignature(ctx, e, positional[0], stdout, stderr)
	}
	switch {
	case f.key != "":
		return usagef("--key is for --signature: add it to check signatures, or drop --key to rebuild and compare")
	case len(positional) > 0:
		return usagef("unexpected argument %q (name the image with --against; flags for the rebuild go after --)", positional[0])
	case f.against == "":
		return usagef("want --against SRC, the image to rebuild and compare with, e.g. lading verify --against registry.example/app:v1")
	}
	if err := checkRebuildFlags(extra); err != nil {
		return err
	}
	return f.verifyRebuild(ctx, e, extra, stdout, stderr)
}

// checkRebuildFlags checks the lading build flags given after --: they
// must parse, and may not name the spec, outputs or a push, which verify
// decides.
func checkRebuildFlags(extra []string) error {
	var bf buildFlags
	fs := bf.flagSet()
	if err := fs.Parse(extra); err != nil {
		return usagef("after --: %s", suggestFlag(fs, err.Error()))
	}
	if fs.NArg() > 0 {
		return usagef("after --: unexpected argument %q (only lading build flags go there)", fs.Arg(0))
	}
	for _, name := range []string{"file", "no-spec", "oci-layout", "oci-archive", "docker-archive", "metadata-file", "push", "sign-key"} {
		if fs.Changed(name) {
			return usagef("after --: --%s is verify's to decide (the rebuild writes one layout into the scratch directory and pushes nothing)", name)
		}
	}
	return nil
}

// verifyExit maps how lading verify ended to its exit code: 0 verified,
// 1 not verified (the report is on stdout) or a failure, 2 usage, 130
// interrupted.
func verifyExit(ctx context.Context, err error, stderr io.Writer) int {
	if errors.Is(err, errUnverified) {
		return exitBuild
	}
	return exitCode(ctx, err, "verify", stderr)
}

// verifyRebuild rebuilds the spec and compares the result with --against;
// extra are lading build flags for the rebuild.
func (f *verifyFlags) verifyRebuild(ctx context.Context, e env, extra []string, stdout, stderr io.Writer) error {
	if local, ok := localSource(f.against); ok && local.Kind == "docker-archive" {
		return usagef("%s: a docker-archive carries no provenance, and docker load rewrites its manifest, so there is no digest to compare: "+
			"verify an OCI layout, an oci-archive or a registry image (lading build writes the provenance beside the image there)", f.against)
	}
	work, err := os.MkdirTemp("", "lading-verify-*")
	if err != nil {
		return fmt.Errorf("create scratch directory: %w", err)
	}
	if !f.keepWork {
		defer os.RemoveAll(work)
	}
	target, err := f.source.open(ctx, e, f.against, work, stderr)
	if err != nil {
		return err
	}
	want, err := target.Digest()
	if err != nil {
		return err
	}
	prov, err := f.findProvenance(ctx, e, want, work, stderr)
	if err != nil {
		return err
	}
	plan, err := f.newRebuildPlan(ctx, e, prov, stderr)
	if err != nil {
		return err
	}
	plan.extra = append(f.tlsArgs(e), extra...)
	rebuilt, got, err := plan.run(ctx, e, work, stderr)
	if err != nil {
		return err
	}
	if f.keepWork {
		fmt.Fprintf(stderr, "lading: kept the scratch directory %s; the rebuild is oci-layout:%s:verify\n", work, plan.out(work))
	}
	if img, ok := target.(v1.Image); ok && got != want {
		// A platform image is compared with the rebuilt index's image for
		// its platform.
		if sel, err := selectLike(img, rebuilt); err == nil {
			rebuilt = sel
			got, _ = sel.Digest()
		}
	}
	return f.report(want, got, target, rebuilt, plan, stdout, stderr)
}

// selectLike picks the image for img's platform out of an index.
func selectLike(img v1.Image, a oci.Artifact) (oci.Artifact, error) {
	if _, ok := a.(v1.ImageIndex); !ok {
		return nil, errors.New("not an index")
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	p := cf.Platform()
	if p == nil {
		return nil, errors.New("no platform")
	}
	return inspect.Select(a, p)
}

// report prints the verdict and, when the digests differ, what differs
// (as lading diff prints it, --against first).
func (f *verifyFlags) report(want, got v1.Hash, target, rebuilt oci.Artifact, plan *rebuildPlan, stdout, stderr io.Writer) error {
	if got == want {
		fmt.Fprintf(stdout, "verified: %s is %s, which a clean rebuild of %s also gives\n", f.name(), want, plan.describe())
		return nil
	}
	fmt.Fprintf(stdout, "NOT verified: %s is %s, but a clean rebuild of %s gives %s\nwhat differs (%s → rebuild):\n",
		f.name(), want, plan.describe(), got, f.name())
	changes, err := inspect.Diff(target, rebuilt)
	if err != nil {
		return err
	}
	if err := inspect.WriteChanges(stdout, changes); err != nil {
		return err
	}
	if !f.keepWork {
		fmt.Fprintln(stderr, "lading: run again with --keep to keep the rebuild and its checkout for a closer look (lading inspect, lading ls)")
	}
	return errUnverified
}

// name is --against, and --platform's platform when given.
func (f *verifyFlags) name() string {
	if f.source.platform != "" {
		return f.against + " (" + f.source.platform + ")"
	}
	return f.against
}

// tlsArgs passes the registry flags on to the rebuild, which may pull a
// base: CA files as absolute paths, since it runs in another directory.
func (f *verifyFlags) tlsArgs(e env) []string {
	var out []string
	dir, _ := e.getwd()
	for _, ca := range f.source.remote.registryCAs {
		if !filepath.IsAbs(ca) {
			ca = filepath.Join(dir, ca)
		}
		out = append(out, "--registry-ca", ca)
	}
	for _, h := range f.source.remote.insecure {
		out = append(out, "--insecure-registry", h)
	}
	return out
}

// verifySignature checks ref's cosign signature and attestations, and
// those of every platform image of an index.
func (f *verifyFlags) verifySignature(ctx context.Context, e env, src string, stdout, stderr io.Writer) error {
	if local, ok := localSource(src); ok {
		return usagef("%s: --signature checks a registry reference: signatures live at cosign's tags in a registry, and this %s holds none (push it, with lading push --sign-key, then check the pushed reference)", src, local.Kind)
	}
	if err := unknownKind(src); err != nil {
		return err
	}
	pub, err := sign.LoadPublicKey(f.key)
	if err != nil {
		return usageError{fmt.Errorf("--key: %w", err)}
	}
	client, repo, err := f.source.registryClient(e, src, stderr)
	if err != nil {
		return err
	}
	a, err := client.Pull(ctx, src)
	if err != nil {
		return err
	}
	d, err := a.Digest()
	if err != nil {
		return err
	}
	subjects := []v1.Hash{d}
	if f.source.platform != "" {
		// --platform checks that platform's image alone.
		pl, err := manifest.ParsePlatform(f.source.platform)
		if err != nil {
			return usagef("--platform: %v", err)
		}
		sel, err := inspect.Select(a, &pl)
		if err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		if d, err = sel.Digest(); err != nil {
			return err
		}
		subjects = []v1.Hash{d}
	} else if idx, ok := a.(v1.ImageIndex); ok {
		im, err := idx.IndexManifest()
		if err != nil {
			return err
		}
		for _, m := range im.Manifests {
			subjects = append(subjects, m.Digest)
		}
	}
	failed := false
	for _, s := range subjects {
		line, err := checkSigned(ctx, client, repo, s, pub)
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "%s@%s: FAILED: %v\n", repo, s, err)
			continue
		}
		fmt.Fprintf(stdout, "%s@%s: %s\n", repo, s, line)
	}
	if failed {
		return errUnverified
	}
	return nil
}

// checkSigned checks subject d's .sig and .att images in repo with pub.
func checkSigned(ctx context.Context, client *registry.Client, repo string, d v1.Hash, pub *ecdsa.PublicKey) (string, error) {
	sig, err := builder.SignatureImage(ctx, client, repo+":"+sign.SignatureTag(d))
	if err != nil {
		return "", err
	}
	if sig == nil {
		return "", fmt.Errorf("no signature (%s:%s is missing)", repo, sign.SignatureTag(d))
	}
	if err := sign.VerifySignatures(sig, pub, d); err != nil {
		return "", err
	}
	att, err := builder.SignatureImage(ctx, client, repo+":"+sign.AttestationTag(d))
	if err != nil {
		return "", err
	}
	if att == nil {
		return "signature verified; no attestations", nil
	}
	types, err := sign.VerifyAttestations(att, pub, d)
	if err != nil {
		return "", fmt.Errorf("attestations: %w", err)
	}
	return "signature verified; attestations verified: " + strings.Join(types, ", "), nil
}
