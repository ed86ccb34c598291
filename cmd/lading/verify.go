package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder/attest"
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

const verifyUsage = `Usage: lading verify [-f lading.yaml] --against SRC
       lading verify --signature --key cosign.pub REF

The first form rebuilds the image and compares it with SRC, digest by digest.
It reads the provenance attached to SRC (lading build attaches one) for the
commit, the spec, the platforms, the tags and the build epoch; clones that
commit of the checkout the spec (-f, else ./lading.yaml) is in, with git, into
a scratch directory, and builds it there afresh (no layer cache) with another
TMPDIR, umask and GOMAXPROCS than this process has. Without a provenance it
rebuilds HEAD with the spec's platforms, at HEAD's commit time. On a match it
says so and exits 0; otherwise it prints what differs, as lading diff does
(config fields, layers, files), and exits 1.

The second form checks REF's cosign signature (its sha256-<hex>.sig tag) and
attestations (.att) with the public key, and that every attestation's
subject is REF's digest; for an index, every platform image's too. It exits 0
when every check passes, 1 otherwise.

SRC is a registry reference, oci-layout:DIR[:REF|@DIGEST] or
oci-archive:FILE[:REF|@DIGEST].

Examples:
  lading verify --against registry.example/app:v1
  lading verify -f deploy/lading.yaml --against oci-layout:out:v1
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
	f.source.remote.addTLS(fs)
	return fs
}

// runVerify implements `lading verify`.
func runVerify(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f verifyFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, verifyUsage, stdout); err != nil {
		return err
	}
	if f.signature {
		if fs.NArg() != 1 || f.key == "" {
			return usagef("--signature wants --key PUBLIC.pem and one REF, e.g. lading verify --signature --key cosign.pub registry.example/app:v1")
		}
		return f.verifySignature(ctx, e, fs.Arg(0), stdout, stderr)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (name the image with --against)", fs.Arg(0))
	}
	if f.against == "" {
		return usagef("want --against SRC, the image to rebuild and compare with")
	}
	return f.verifyRebuild(ctx, e, stdout, stderr)
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

// verifyRebuild rebuilds the spec and compares the result with --against.
func (f *verifyFlags) verifyRebuild(ctx context.Context, e env, stdout, stderr io.Writer) error {
	work, err := os.MkdirTemp("", "lading-verify-*")
	if err != nil {
		return fmt.Errorf("create scratch directory: %w", err)
	}
	if f.keepWork {
		fmt.Fprintf(stderr, "lading: scratch directory kept: %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	target, err := f.source.openAny(ctx, e, f.against, work, stderr)
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
	dir, err := e.getwd()
	if err != nil {
		return err
	}
	specFile, err := specPath(f.specFile, false, dir)
	if err != nil {
		return err
	}
	if specFile == "" {
		return usagef("no spec to rebuild: give -f SPEC, or run in the directory holding lading.yaml")
	}
	plan, err := newRebuildPlan(ctx, specFile, prov, stderr)
	if err != nil {
		return err
	}
	got, err := plan.run(ctx, e, work, stderr)
	if err != nil {
		return err
	}
	rebuilt, err := oci.OpenLayout(filepath.Join(work, "out"), "verify")
	if err != nil {
		return fmt.Errorf("open the rebuilt image: %w", err)
	}
	if img, ok := target.(v1.Image); ok && got != want {
		// A platform image is compared with the rebuilt index's image
		// for its platform.
		if cf, err := img.ConfigFile(); err == nil {
			if p := cf.Platform(); p != nil {
				if sel, err := inspect.Select(rebuilt, p); err == nil {
					rebuilt = sel
					got, _ = sel.Digest()
				}
			}
		}
	}
	if got == want {
		fmt.Fprintf(stdout, "verified: %s is %s, and a rebuild of %s gives the same digest\n", f.against, want, plan.describe())
		return nil
	}
	fmt.Fprintf(stdout, "NOT verified: %s is %s, but a rebuild of %s gives %s:\n", f.against, want, plan.describe(), got)
	changes, err := inspect.Diff(target, rebuilt)
	if err != nil {
		return err
	}
	if err := inspect.WriteChanges(stdout, changes); err != nil {
		return err
	}
	return errUnverified
}

// findProvenance reads the provenance attached to digest d at --against;
// nil (with a note) when it has none.
func (f *verifyFlags) findProvenance(ctx context.Context, e env, d v1.Hash, work string, stderr io.Writer) (*attest.Provenance, error) {
	docs, err := f.provenanceDocs(ctx, e, d, work, stderr)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, doc := range docs {
		p, err := attest.ParseProvenance(doc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, s := range p.Subjects {
			if s.Digest == d {
				return p, nil
			}
		}
		errs = append(errs, fmt.Errorf("a provenance refers to %s but names other subjects", d))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: no usable provenance: %w", f.against, errors.Join(errs...))
	}
	fmt.Fprintf(stderr, "lading: %s has no provenance attached; rebuilding HEAD with the spec's platforms and HEAD's commit time\n", f.against)
	return nil, nil
}

// maxDocument caps an attached document read.
const maxDocument = 16 << 20

// provenanceDocs returns the bytes of every provenance attached to d at
// --against: through the registry's referrers, or a layout's or
// oci-archive's index.
func (f *verifyFlags) provenanceDocs(ctx context.Context, e env, d v1.Hash, work string, stderr io.Writer) ([][]byte, error) {
	src := f.against
	var docs [][]byte
	read := func(a oci.Artifact) error {
		img, ok := a.(v1.Image)
		if !ok {
			return fmt.Errorf("a referrer of %s is not an artifact manifest", d)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			return fmt.Errorf("a provenance artifact of %s has %d layers, want 1 (%v)", d, len(layers), err)
		}
		rc, err := layers[0].Compressed()
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxDocument+1))
		if err != nil {
			return err
		}
		if len(b) > maxDocument {
			return fmt.Errorf("a provenance of %s is over %d bytes", d, maxDocument)
		}
		docs = append(docs, b)
		return nil
	}
	if local, ok := localSource(src); ok {
		var descs []v1.Descriptor
		var err error
		switch local.Kind {
		case "oci-layout":
			descs, err = oci.LayoutReferrers(local.Path, d)
		case "oci-archive":
			descs, err = oci.OCIArchiveReferrers(local.Path, d)
		default:
			return nil, usagef("%s: a docker-archive carries no provenance; verify an OCI layout, an oci-archive or a registry image", src)
		}
		if err != nil {
			return nil, err
		}
		for _, desc := range descs {
			if desc.ArtifactType != attest.MediaTypeInToto {
				continue
			}
			a, err := oci.LocalRef{Kind: local.Kind, Path: local.Path, Selector: "@" + desc.Digest.String()}.Open(ctx, work)
			if err != nil {
				return nil, err
			}
			if err := read(a); err != nil {
				return nil, err
			}
		}
		return docs, nil
	}
	client, repo, err := f.registryClient(e, src, stderr)
	if err != nil {
		return nil, err
	}
	descs, err := client.Referrers(ctx, repo, d, attest.MediaTypeInToto)
	if err != nil {
		return nil, err
	}
	for _, desc := range descs {
		a, err := client.Pull(ctx, repo+"@"+desc.Digest.String())
		if err != nil {
			return nil, err
		}
		if err := read(a); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// localSource reads src as a local source: prefixed, or a path that
// exists (a directory is a layout; a file an archive, by its contents).
func localSource(src string) (oci.LocalRef, bool) {
	if local, ok := oci.ParseLocal(src); ok {
		return local, true
	}
	fi, err := os.Stat(src)
	switch {
	case err != nil:
		return oci.LocalRef{}, false
	case fi.IsDir():
		return oci.LocalRef{Kind: "oci-layout", Path: src}, true
	}
	kind, err := oci.ArchiveKind(src)
	if err != nil {
		kind = "oci-archive"
	}
	return oci.LocalRef{Kind: kind, Path: src}, true
}

// registryClient is a client for src's registry, with the TLS flags, and
// src's repository.
func (f *verifyFlags) registryClient(e env, src string, stderr io.Writer) (*registry.Client, string, error) {
	ref, err := manifest.ParseReference(src)
	if err != nil {
		return nil, "", usagef("%q is no oci-layout:, oci-archive: or existing path, and no registry reference (%v)", src, err)
	}
	f.source.remote.pushJobs, f.source.remote.retries, f.source.remote.progress = registry.DefaultPushJobs, registry.DefaultRetries, "none"
	client, err := f.source.remote.client(e, stderr, newLogger(stderr, true))
	if err != nil {
		return nil, "", err
	}
	return client, ref.Context().Name(), nil
}

// rebuildPlan is what verify rebuilds: a commit of a checkout, the spec in
// it, and the build's parameters.
type rebuildPlan struct {
	root, commit, specRel string
	platforms, tags       []string
	epoch                 string // seconds, "" for HEAD's commit time
}

// newRebuildPlan reads the checkout the spec is in and lays the
// provenance, when there is one, over it.
func newRebuildPlan(ctx context.Context, specFile string, prov *attest.Provenance, stderr io.Writer) (*rebuildPlan, error) {
	abs, err := filepath.Abs(specFile)
	if err != nil {
		return nil, err
	}
	root, err := gitOutput(ctx, filepath.Dir(abs), "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git checkout, and verify rebuilds from a clean clone of one: %w", specFile, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return nil, err
	}
	p := &rebuildPlan{root: root, specRel: filepath.ToSlash(rel)}
	if prov == nil {
		if p.commit, err = gitOutput(ctx, root, "rev-parse", "HEAD"); err != nil {
			return nil, fmt.Errorf("read HEAD of %s: %w", root, err)
		}
		return p, nil
	}
	if prov.GitCommit == "" {
		return nil, fmt.Errorf("the provenance names no commit (the image was built outside a git checkout), so there is nothing to clone: rebuild by hand and use lading diff")
	}
	if prov.GitDirty {
		fmt.Fprintln(stderr, "lading: the provenance says the image was built from a checkout with uncommitted changes; a clean clone may well differ")
	}
	p.commit, p.platforms, p.tags = prov.GitCommit, prov.Platforms, prov.Tags
	if prov.SpecPath != "" {
		p.specRel = prov.SpecPath
	}
	p.epoch = strconv.FormatInt(prov.Epoch.Unix(), 10)
	if _, err := gitOutput(ctx, root, "cat-file", "-e", p.commit+"^{commit}"); err != nil {
		return nil, fmt.Errorf("commit %s, which the provenance names, is not in %s: fetch it (git fetch) and run again", p.commit, root)
	}
	return p, nil
}

// describe names what was rebuilt, for the verdict line.
func (p *rebuildPlan) describe() string {
	return fmt.Sprintf("%s at commit %s", p.specRel, p.commit)
}

// run clones the commit into work/src and builds the spec there with
// another TMPDIR, umask and GOMAXPROCS, into the layout work/out; it
// returns the rebuilt digest.
func (p *rebuildPlan) run(ctx context.Context, e env, work string, stderr io.Writer) (v1.Hash, error) {
	src := filepath.Join(work, "src")
	if _, err := gitOutput(ctx, work, "clone", "--quiet", "--no-checkout", "--no-hardlinks", p.root, src); err != nil {
		return v1.Hash{}, fmt.Errorf("clone %s: %w", p.root, err)
	}
	if _, err := gitOutput(ctx, src, "-c", "advice.detachedHead=false", "checkout", "--quiet", p.commit); err != nil {
		return v1.Hash{}, fmt.Errorf("check out %s: %w", p.commit, err)
	}
	spec := filepath.Join(src, filepath.FromSlash(p.specRel))
	if _, err := os.Stat(spec); err != nil {
		return v1.Hash{}, fmt.Errorf("commit %s has no %s: %w", p.commit, p.specRel, err)
	}
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return v1.Hash{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("find the lading binary to rebuild with: %w", err)
	}
	args := []string{"build", "-f", spec, "--no-cache", "--sbom=false", "--provenance=false",
		"--oci-layout", filepath.Join(work, "out") + ":verify", "--progress", "none", "--quiet"}
	for _, pl := range p.platforms {
		args = append(args, "--platform", pl)
	}
	for _, t := range p.tags {
		args = append(args, "-t", t)
	}
	if p.epoch != "" {
		args = append(args, "--source-date-epoch", p.epoch)
	}
	procs := 1
	if runtime.GOMAXPROCS(0) == 1 {
		procs = 2
	}
	// umask differs from the usual 022 (and from 077 where that is usual).
	umask := "077"
	if current := currentUmask(); current == 0o077 {
		umask = "022"
	}
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", `umask ` + umask + ` && exec "$@"`, "sh", self}, args...)...)
	cmd.Dir = filepath.Dir(spec)
	cmd.Env = append(withoutVar(e.environ(), "TMPDIR", "GOMAXPROCS", "SOURCE_DATE_EPOCH"),
		"TMPDIR="+tmp, "GOMAXPROCS="+strconv.Itoa(procs))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(stderr, "lading: rebuilding %s at %s in %s (umask %s, GOMAXPROCS %d, TMPDIR %s)\n", p.specRel, shortHash(p.commit), src, umask, procs, tmp)
	if err := cmd.Run(); err != nil {
		return v1.Hash{}, fmt.Errorf("the rebuild failed: %w\n%s", err, strings.TrimSpace(out.String()))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if _, d, ok := strings.Cut(line, "@sha256:"); ok && strings.Contains(line, filepath.Join(work, "out")) {
			return v1.NewHash("sha256:" + strings.TrimSpace(d))
		}
	}
	return v1.Hash{}, fmt.Errorf("the rebuild printed no digest:\n%s", out.String())
}

// currentUmask reads this process's umask without changing it, from
// /proc where there is one; 022 otherwise.
func currentUmask() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o022
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 8, 32); err == nil {
				return int(n)
			}
		}
	}
	return 0o022
}

// withoutVar drops the named variables from environ.
func withoutVar(environ []string, names ...string) []string {
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// gitOutput runs git in dir and returns its trimmed stdout.
func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// verifySignature checks ref's cosign signature and attestations, and
// those of every platform image of an index.
func (f *verifyFlags) verifySignature(ctx context.Context, e env, src string, stdout, stderr io.Writer) error {
	pub, err := sign.LoadPublicKey(f.key)
	if err != nil {
		return usageError{fmt.Errorf("--key: %w", err)}
	}
	client, repo, err := f.registryClient(e, src, stderr)
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
	if idx, ok := a.(v1.ImageIndex); ok {
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
	sig, err := pullImage(ctx, client, repo+":"+sign.SignatureTag(d))
	if err != nil {
		return "", err
	}
	if sig == nil {
		return "", fmt.Errorf("no signature (%s:%s is missing)", repo, sign.SignatureTag(d))
	}
	if err := sign.VerifySignatures(sig, pub, d); err != nil {
		return "", err
	}
	att, err := pullImage(ctx, client, repo+":"+sign.AttestationTag(d))
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

// pullImage pulls the image at ref; nil when there is none.
func pullImage(ctx context.Context, client *registry.Client, ref string) (v1.Image, error) {
	if _, err := name.ParseReference(ref, name.WeakValidation); err != nil {
		return nil, err
	}
	a, err := client.Pull(ctx, ref)
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == 404 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	img, ok := a.(v1.Image)
	if !ok {
		return nil, fmt.Errorf("%s is an index, not a cosign image", ref)
	}
	return img, nil
}
