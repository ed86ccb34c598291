package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/builder/attest"
	"github.com/lading-dev/lading/builder/spec"
	"github.com/lading-dev/lading/registry/oci"
)

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
	fmt.Fprintf(stderr, "lading: note: %s has no provenance attached (built with --provenance=false?): rebuilding HEAD of this checkout, with the spec's platforms and tags and HEAD's commit time as the epoch\n", f.against)
	return nil, nil
}

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
		b, err := attest.Document(img)
		if err != nil {
			return fmt.Errorf("a provenance of %s: %w", d, err)
		}
		docs = append(docs, b)
		return nil
	}
	at, err := f.source.attached(ctx, e, src, work, stderr)
	if err != nil {
		return nil, err
	}
	descs, err := at.list(d, attest.MediaTypeInToto)
	if err != nil {
		return nil, err
	}
	for _, desc := range descs {
		a, err := at.open(desc.Digest)
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

// rebuildPlan is what verify rebuilds: a commit of a checkout, the spec in
// it, and the build's parameters.
type rebuildPlan struct {
	root, commit, specRel string
	// remote is the origin URL the clone is given, so that the rebuild's
	// source and revision annotations are the original build's.
	remote          string
	platforms, tags []string
	epoch           string // seconds, "" for HEAD's commit time
	// compression and level are the layers' compression as recorded
	// ("" and 0: the spec's, else lading's defaults).
	compression string
	level       int
	extra       []string // more lading build flags, after the recorded ones
}

// newRebuildPlan finds the checkout (-f's, else the working directory's)
// and lays the provenance, when there is one, over it: its commit, spec,
// platforms, tags, epoch and compression.
func (f *verifyFlags) newRebuildPlan(ctx context.Context, e env, prov *attest.Provenance, stderr io.Writer) (*rebuildPlan, error) {
	dir, err := e.getwd()
	if err != nil {
		return nil, fmt.Errorf("find working directory: %w", err)
	}
	if prov != nil && prov.GitCommit != "" && prov.SpecPath == "" {
		return nil, fmt.Errorf("%s was built from flags alone (its provenance names no spec), and verify rebuilds a spec: rebuild it by hand and compare with lading diff", f.against)
	}
	specFile := ""
	if f.specFile != "" {
		if specFile, err = specPath(f.specFile, false, dir); err != nil {
			return nil, err
		}
		if !filepath.IsAbs(specFile) {
			specFile = filepath.Join(dir, specFile)
		}
	} else if prov == nil || prov.SpecPath == "" {
		if specFile = filepath.Join(dir, defaultSpec); !pathExists(specFile) {
			return nil, usagef("no spec to rebuild: %s names none, and there is no ./%s: give -f SPEC", f.against, defaultSpec)
		}
	}
	p, err := checkoutOf(ctx, dir, specFile)
	if err != nil {
		return nil, err
	}
	if prov == nil {
		if p.commit, err = spec.RunGit(ctx, p.root, "rev-parse", "HEAD"); err != nil {
			return nil, fmt.Errorf("read HEAD of %s: %w", p.root, err)
		}
		return p, nil
	}
	if prov.GitCommit == "" {
		return nil, fmt.Errorf("%s: its provenance names no commit (it was built outside a git checkout), so there is nothing to clone: rebuild it by hand and compare with lading diff", f.against)
	}
	if prov.SpecPath != "" && p.specRel != "" && p.specRel != prov.SpecPath {
		fmt.Fprintf(stderr, "lading: the provenance names the spec %s; rebuilding that, not -f's %s\n", prov.SpecPath, p.specRel)
	}
	if prov.GitDirty {
		fmt.Fprintf(stderr, "lading: warning: %s was built from a checkout with uncommitted changes (its provenance says so); a rebuild of commit %s alone differs wherever they mattered\n", f.against, shortHash(prov.GitCommit))
	}
	p.commit, p.platforms, p.tags = prov.GitCommit, prov.Platforms, prov.Tags
	p.specRel = cmp.Or(prov.SpecPath, p.specRel)
	p.remote = cmp.Or(prov.GitRemote, p.remote)
	p.epoch = strconv.FormatInt(prov.Epoch.Unix(), 10)
	p.compression, p.level = prov.Compression, prov.CompressionLevel
	if _, err := spec.RunGit(ctx, p.root, "cat-file", "-e", p.commit+"^{commit}"); err != nil {
		return nil, fmt.Errorf("commit %s, which the provenance of %s names, is not in the checkout %s: fetch it (git fetch origin, or git fetch REMOTE %s) and run again",
			p.commit, f.against, p.root, p.commit)
	}
	return p, nil
}

// checkoutOf is the plan's start: the git checkout specFile is in (dir's
// when specFile is ""), the spec's path in it, and its origin URL.
func checkoutOf(ctx context.Context, dir, specFile string) (*rebuildPlan, error) {
	from := dir
	if specFile != "" {
		from = filepath.Dir(specFile)
	}
	root, err := spec.RunGit(ctx, from, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git checkout, and verify rebuilds from a clean clone of one: run it in the checkout, or give -f SPEC in it: %w", from, err)
	}
	p := &rebuildPlan{root: root, remote: checkoutRemote(ctx, root)}
	if specFile != "" {
		// The prefix, not filepath.Rel: git's top level has its
		// symlinks resolved, the working directory may not.
		prefix, err := spec.RunGit(ctx, from, "rev-parse", "--show-prefix")
		if err != nil {
			return nil, err
		}
		p.specRel = prefix + filepath.Base(specFile)
	}
	return p, nil
}

// checkoutRemote is the URL of root's remote named origin, else of its
// first remote, as lading build reads it; "" when it has none.
func checkoutRemote(ctx context.Context, root string) string {
	if url, err := spec.RunGit(ctx, root, "remote", "get-url", "origin"); err == nil {
		return url
	}
	names, err := spec.RunGit(ctx, root, "remote")
	if err != nil || names == "" {
		return ""
	}
	first, _, _ := strings.Cut(names, "\n")
	url, _ := spec.RunGit(ctx, root, "remote", "get-url", first)
	return url
}

func pathExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// describe names what was rebuilt, for the verdict line.
func (p *rebuildPlan) describe() string {
	return fmt.Sprintf("%s at commit %s", p.specRel, shortHash(p.commit))
}

// out is the rebuilt layout's directory in work.
func (p *rebuildPlan) out(work string) string { return filepath.Join(work, "out") }

// run clones the commit into work/src and builds the spec there, into the
// layout work/out, with another TMPDIR, umask and GOMAXPROCS than this
// process's (the checkout too is made under that umask); it returns what
// it built and its digest.
func (p *rebuildPlan) run(ctx context.Context, e env, work string, stderr io.Writer) (oci.Artifact, v1.Hash, error) {
	umask, procs := otherUmask(), 1
	if runtime.GOMAXPROCS(0) == 1 {
		procs = 2
	}
	src := filepath.Join(work, "src")
	if err := p.clone(ctx, src, umask); err != nil {
		return nil, v1.Hash{}, err
	}
	spec := filepath.Join(src, filepath.FromSlash(p.specRel))
	if !pathExists(spec) {
		return nil, v1.Hash{}, fmt.Errorf("commit %s has no %s: was the spec committed?", shortHash(p.commit), p.specRel)
	}
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, v1.Hash{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, v1.Hash{}, fmt.Errorf("find the lading binary to rebuild with: %w", err)
	}
	cmd := underUmask(ctx, umask, self, p.buildArgs(spec, p.out(work))...)
	cmd.Dir = filepath.Dir(spec)
	cmd.Env = append(withoutVar(e.environ(), "TMPDIR", "GOMAXPROCS", "SOURCE_DATE_EPOCH"), "TMPDIR="+tmp, "GOMAXPROCS="+strconv.Itoa(procs))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	fmt.Fprintf(stderr, "lading: rebuilding %s from a clean clone in %s, with umask %s (here %03o), GOMAXPROCS %d (here %d), TMPDIR %s (here %s)\n",
		p.describe(), src, umask, currentUmask(), procs, runtime.GOMAXPROCS(0), tmp, os.TempDir())
	if err := cmd.Run(); err != nil {
		return nil, v1.Hash{}, fmt.Errorf("the rebuild failed (lading %s): %w\n%s", strings.Join(p.buildArgs(p.specRel, "DIR"), " "), err, strings.TrimSpace(errOut.String()))
	}
	d, err := rebuildDigest(out.String(), p.out(work))
	if err != nil {
		return nil, v1.Hash{}, err
	}
	a, err := oci.OpenLayout(p.out(work), "@"+d.String())
	if err != nil {
		return nil, v1.Hash{}, fmt.Errorf("open the rebuilt image: %w", err)
	}
	return a, d, nil
}

// clone makes the clean clone: every object of the checkout, the commit
// checked out under umask, and origin's URL set to the plan's remote.
func (p *rebuildPlan) clone(ctx context.Context, src, umask string) error {
	if _, err := spec.RunGit(ctx, filepath.Dir(src), "clone", "--quiet", "--no-checkout", "--no-hardlinks", p.root, src); err != nil {
		return fmt.Errorf("clone %s: %w", p.root, err)
	}
	if p.remote != "" {
		// After the clone and never fetched from: it only names the
		// source in the image's annotations, as it did in the original.
		if _, err := spec.RunGit(ctx, src, "remote", "set-url", "origin", p.remote); err != nil {
			return err
		}
	}
	cmd := underUmask(ctx, umask, "git", "-c", "advice.detachedHead=false", "checkout", "--quiet", p.commit)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("check out %s in the clone of %s: %w: %s", p.commit, p.root, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// buildArgs are the rebuild's lading build arguments.
func (p *rebuildPlan) buildArgs(spec, out string) []string {
	args := []string{"build", "-f", spec, "--no-cache", "--sbom=false", "--provenance=false",
		"--oci-layout", out + ":verify", "--progress", "none", "--quiet"}
	for _, pl := range p.platforms {
		args = append(args, "--platform", pl)
	}
	for _, t := range p.tags {
		args = append(args, "-t", t)
	}
	if p.epoch != "" {
		args = append(args, "--source-date-epoch", p.epoch)
	}
	if p.compression != "" {
		args = append(args, "--compression", p.compression)
	}
	if p.level != 0 {
		args = append(args, "--compression-level", strconv.Itoa(p.level))
	}
	return append(args, p.extra...)
}

// underUmask runs name with args under umask (octal).
func underUmask(ctx context.Context, umask, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", append([]string{"-c", `umask "$0" && exec "$@"`, umask, name}, args...)...)
}

// rebuildDigest finds the line "OUT@sha256:…" lading build prints for the
// layout OUT.
func rebuildDigest(stdout, out string) (v1.Hash, error) {
	for _, line := range strings.Split(stdout, "\n") {
		if d, ok := strings.CutPrefix(line, out+"@"); ok {
			return v1.NewHash(d)
		}
	}
	return v1.Hash{}, fmt.Errorf("the rebuild printed no digest for %s:\n%s", out, stdout)
}

// otherUmask is a umask other than this process's: 077, or 022 when this
// process's is 077.
func otherUmask() string {
	if currentUmask() == 0o077 {
		return "022"
	}
	return "077"
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
	return slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, k)
	})
}

func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
