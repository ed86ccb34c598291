package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/builder/attest"
)

// verifyRemote is the origin URL both clones of the test project are
// given: a URL, as a clone from a forge has, so their builds carry the
// source and revision annotations (a local path gives none).
const verifyRemote = "https://git.example/verifyapp.git"

// verifyCommitDate is the test project's commit time, its build epoch.
const verifyCommitDate = "2024-03-01T12:00:00Z"

// verifySpecYAML is the test project's spec, svc/lading.yaml: a Go program
// of its own module, two static files and a run layer whose output is
// constant but which appends its umask, GOMAXPROCS, TMPDIR and working
// directory to $VERIFY_PROBE when that is set (only the verify runs set
// it), so a test reads what the rebuild really ran with. %s is the list of
// platforms.
const verifySpecYAML = `base: static
platforms: [%s]
layers:
  - name: app
    go: {package: ./cmd/app, dest: /usr/local/bin/app}
  - name: static
    files: {src: ./static, dest: /srv/static}
  - name: probe
    run:
      command: ["sh", "-c", "echo probe > \"$OUT/probe.txt\"; [ -z \"$VERIFY_PROBE\" ] || echo \"$(umask) $GOMAXPROCS $TMPDIR $PWD\" >> \"$VERIFY_PROBE\""]
      dest: /srv/probe
config:
  entrypoint: ["/usr/local/bin/app"]
tags: ["verify.example/app:v1"]
`

// verifyProject is the test project in a git repository of its own,
// committed once, and cloned twice: a, where images are built, and b, at
// another path, where lading verify runs. Both clones have verifyRemote as
// origin. Builds write under out, outside both clones.
type verifyProject struct {
	origin, a, b, out string
	commit            string
}

// newVerifyProject makes the repository, for platforms (the host's when
// none are given), and its two clones.
func newVerifyProject(t *testing.T, platforms ...string) *verifyProject {
	t.Helper()
	requireTool(t, "git")
	if len(platforms) == 0 {
		platforms = []string{defaultPlatform()}
	}
	dir := t.TempDir()
	p := &verifyProject{origin: filepath.Join(dir, "origin"), a: filepath.Join(dir, "a"),
		b: filepath.Join(dir, "elsewhere", "b-clone"), out: filepath.Join(dir, "out")}
	files := map[string]string{
		"README":                "the verify test project\n",
		"svc/lading.yaml":       fmt.Sprintf(verifySpecYAML, strings.Join(platforms, ", ")),
		"svc/go.mod":            "module example.com/verifyapp\n\ngo 1.26\n",
		"svc/cmd/app/main.go":   "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"verifyapp\") }\n",
		"svc/static/index.html": "<h1>verifyapp</h1>\n",
		"svc/static/b.txt":      "the second file\n",
	}
	for name, content := range files {
		putFile(t, filepath.Join(p.origin, name), content)
	}
	verifyGit(t, p.origin, "init", "-q", "-b", "main")
	verifyGit(t, p.origin, "config", "user.name", "Verify Test")
	verifyGit(t, p.origin, "config", "user.email", "verify@example.com")
	verifyGit(t, p.origin, "add", "-A")
	verifyGit(t, p.origin, "commit", "-q", "-m", "verifyapp")
	p.commit = verifyGit(t, p.origin, "rev-parse", "HEAD")
	for _, clone := range []string{p.a, p.b} {
		verifyGit(t, filepath.Dir(p.origin), "clone", "-q", p.origin, clone)
		verifyGit(t, clone, "remote", "set-url", "origin", verifyRemote)
	}
	return p
}

// verifyGit runs git in dir, with the commit dates fixed, and returns its
// trimmed stdout.
func verifyGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(requireTool(t, "git"), args...)
	cmd.Dir = dir
	// No global or system configuration: a user's commit.gpgsign or
	// hooks must not reach the test's commits.
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_DATE="+verifyCommitDate, "GIT_COMMITTER_DATE="+verifyCommitDate)
	return strings.TrimSpace(runCmd(t, cmd))
}

// build runs lading build -f svc/lading.yaml in clone a with args and env
// (nil for childEnv()) and returns the digest of its first result.
func (p *verifyProject) build(t *testing.T, env []string, args ...string) string {
	t.Helper()
	args = append([]string{"build", "-f", "svc/lading.yaml", "--progress", "none"}, args...)
	code, stdout, stderr := ladingRun(t, p.a, env, "", args...)
	if code != 0 {
		t.Fatalf("lading %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return resultDigests(t, stdout)[0]
}

// verifyResult is how one lading verify run ended, and the directories it
// was given: its TMPDIR and the file the rebuild's run layer reports to.
type verifyResult struct {
	code           int
	stdout, stderr string
	tmp, probe     string
}

// verifyRun runs the lading binary's verify with args in dir, under umask,
// with env (nil for childEnv()) plus its own TMPDIR and VERIFY_PROBE.
func verifyRun(t *testing.T, dir, umask string, env []string, args ...string) verifyResult {
	t.Helper()
	r := verifyResult{tmp: t.TempDir()}
	r.probe = filepath.Join(t.TempDir(), "probe")
	if env == nil {
		env = childEnv()
	}
	var stdout, stderr strings.Builder
	cmd := exec.Command("sh", append([]string{"-c", `umask "$0" && exec "$@"`, umask, ladingBinary(t), "verify"}, args...)...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &stdout, &stderr
	cmd.Env = append(withoutVar(slices.Clone(env), "TMPDIR", "VERIFY_PROBE"), "TMPDIR="+r.tmp, "VERIFY_PROBE="+r.probe)
	var exit *exec.ExitError
	if err := cmd.Run(); err != nil && !errors.As(err, &exit) {
		t.Fatalf("run lading verify: %v", err)
	}
	r.code, r.stdout, r.stderr = cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	return r
}

// verifyOK runs verifyRun and checks that it verified src (with
// --platform's platform, when args have one), whose digest is want, as the
// rebuild of svc/lading.yaml at commit: exit 0 and exactly the verdict
// line on stdout.
func (p *verifyProject) verifyOK(t *testing.T, dir, umask string, env []string, src, want string, args ...string) verifyResult {
	t.Helper()
	r := verifyRun(t, dir, umask, env, append([]string{"--against", src}, args...)...)
	name := src
	if i := slices.Index(args, "--platform"); i >= 0 {
		name += " (" + args[i+1] + ")"
	}
	line := fmt.Sprintf("verified: %s is %s, which a clean rebuild of svc/lading.yaml at commit %s also gives\n", name, want, p.commit[:12])
	if r.code != 0 || r.stdout != line {
		t.Fatalf("lading verify --against %s: exit %d, stdout:\n%s\nwant exit 0 and:\n%s\nstderr:\n%s", src, r.code, r.stdout, line, r.stderr)
	}
	return r
}

// verifyRebuildLine matches what verify says on stderr about the
// rebuild's environment and its own.
var verifyRebuildLine = regexp.MustCompile(`from a clean clone in (\S+), with umask (\d+) \(here (\d+)\), GOMAXPROCS (\d+) \(here (\d+)\), TMPDIR (\S+) \(here (\S+)\)`)

// verifyCheckRebuild: verify said on stderr that the rebuild's umask,
// GOMAXPROCS and TMPDIR differ from its own; the rebuild's run layer
// reported those very values, and ran in the spec's directory of the clone
// in the scratch directory; that directory is gone, and verify's TMPDIR is
// empty again.
func verifyCheckRebuild(t *testing.T, r verifyResult) {
	t.Helper()
	m := verifyRebuildLine.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("stderr does not say how the rebuild differs:\n%s", r.stderr)
	}
	src, umask, hereUmask, procs, hereProcs, tmp, hereTmp := m[1], m[2], m[3], m[4], m[5], m[6], m[7]
	if verifyOctal(t, umask) == verifyOctal(t, hereUmask) || procs == hereProcs || tmp == hereTmp || hereTmp != r.tmp {
		t.Errorf("the rebuild does not differ: umask %s (here %s), GOMAXPROCS %s (here %s), TMPDIR %s (here %s, set to %s)",
			umask, hereUmask, procs, hereProcs, tmp, hereTmp, r.tmp)
	}
	lines := strings.Split(strings.TrimSpace(string(readAll(t, r.probe))), "\n")
	for _, line := range lines {
		probe := strings.Fields(line)
		if len(probe) != 4 || verifyOctal(t, probe[0]) != verifyOctal(t, umask) || probe[1] != procs || probe[2] != tmp || probe[3] != filepath.Join(src, "svc") {
			t.Errorf("the rebuild's run layer reported %q; want umask %s, GOMAXPROCS %s, TMPDIR %s, in %s", probe, umask, procs, tmp, filepath.Join(src, "svc"))
		}
	}
	if _, err := os.Stat(filepath.Dir(src)); !os.IsNotExist(err) {
		t.Errorf("scratch directory %s: %v; want it removed", filepath.Dir(src), err)
	}
	if left, err := os.ReadDir(r.tmp); err != nil || len(left) != 0 {
		t.Errorf("verify left %v in its TMPDIR (%v)", left, err)
	}
}

func verifyOctal(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 8, 32)
	noErr(t, err)
	return n
}

// TestVerifyRebuildE2E is issue 12's "Done when" point 4, from the real
// binary: an image built in one clone of a project (a Go program, static
// files, a run layer) verifies from another clone at another path, as an
// OCI layout (by tag, and as a plain path with --keep), as an oci-archive,
// from the checkout's root, from the spec's directory with a relative -f
// and from outside the checkout with an absolute -f; the rebuild ran with
// another umask (either way round), GOMAXPROCS and TMPDIR, and its scratch
// directory is gone afterwards (kept with --keep). A build with another
// epoch than the commit's and other tags verifies (both come from the
// provenance). A zstd build at level 19 verifies too (the compression is
// in the provenance), and a flag passed on after
// the recorded ones (-- --compression-level 3), makes the rebuild differ.
func TestVerifyRebuildE2E(t *testing.T) {
	needs(t, "git")
	p := newVerifyProject(t)
	layout, archive := filepath.Join(p.out, "layout"), filepath.Join(p.out, "app.oci.tar")
	x := p.build(t, nil, "--oci-layout", layout+":v1", "--oci-archive", archive)
	t.Run("layout from the checkout root", func(t *testing.T) {
		r := p.verifyOK(t, p.b, "022", nil, "oci-layout:"+layout+":v1", x)
		verifyCheckRebuild(t, r)
	})
	t.Run("oci-archive with -f from the spec's directory, under umask 077", func(t *testing.T) {
		r := p.verifyOK(t, filepath.Join(p.b, "svc"), "077", nil, "oci-archive:"+archive, x, "-f", "lading.yaml")
		verifyCheckRebuild(t, r)
	})
	t.Run("plain path, absolute -f, --keep", func(t *testing.T) {
		r := p.verifyOK(t, t.TempDir(), "022", nil, layout, x, "-f", filepath.Join(p.b, "svc", "lading.yaml"), "--keep")
		m := regexp.MustCompile(`kept the scratch directory (\S+); the rebuild is oci-layout:(\S+):verify\n`).FindStringSubmatch(r.stderr)
		if m == nil {
			t.Fatalf("stderr does not name the kept scratch directory:\n%s", r.stderr)
		}
		defer os.RemoveAll(m[1])
		if !strings.HasPrefix(m[1], r.tmp) || verifyLayoutDigest(t, m[2]) != x {
			t.Errorf("kept %s with the rebuild %s; want it under TMPDIR %s, holding %s", m[1], m[2], r.tmp, x)
		}
	})
	t.Run("epoch and tags from the provenance", func(t *testing.T) {
		// Not the commit's time, which a rebuild would take by default.
		other := filepath.Join(p.out, "epoch")
		e := p.build(t, nil, "--source-date-epoch", "1234567890", "-t", "verify.example/other:v2", "--oci-layout", other+":v1")
		if e == x {
			t.Fatalf("--source-date-epoch did not change the image (%s)", e)
		}
		p.verifyOK(t, p.b, "022", nil, "oci-layout:"+other+":v1", e)
	})
	t.Run("zstd from the provenance; -- overrides it", func(t *testing.T) {
		zstd := filepath.Join(p.out, "zstd")
		z := p.build(t, nil, "--compression", "zstd", "--compression-level", "19", "--oci-layout", zstd+":v1")
		p.verifyOK(t, p.b, "022", nil, "oci-layout:"+zstd+":v1", z)
		r := verifyRun(t, p.b, "022", nil, "--against", "oci-layout:"+zstd+":v1", "--", "--compression-level", "3")
		if r.code != 1 || !strings.HasPrefix(r.stdout, "NOT verified: ") {
			t.Errorf("a zstd level 19 image verified against a level 3 rebuild: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
}

// verifyLayoutDigest is the digest of the one image a layout's index.json
// names with a ref name.
func verifyLayoutDigest(t *testing.T, dir string) string {
	t.Helper()
	var idx v1.IndexManifest
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	for _, m := range idx.Manifests {
		if m.Annotations["org.opencontainers.image.ref.name"] != "" {
			return m.Digest.String()
		}
	}
	t.Fatalf("%s/index.json names no image: %+v", dir, idx.Manifests)
	return ""
}

// TestVerifyDirtyE2E: an image built from a checkout where one file the
// files layer packs was changed and not committed does not verify from a
// clean clone: exit 1; stdout gives both digests, the clean one being the
// committed build's, and names that file, by its image path, and no other;
// stderr warns that the build had uncommitted changes.
func TestVerifyDirtyE2E(t *testing.T) {
	needs(t, "git")
	p := newVerifyProject(t)
	x := p.build(t, nil, "--oci-layout", filepath.Join(p.out, "clean")+":v1")
	putFile(t, filepath.Join(p.a, "svc", "static", "b.txt"), "changed, not committed\n")
	dirty := filepath.Join(p.out, "dirty")
	y := p.build(t, nil, "--oci-layout", dirty+":v1")
	if x == y {
		t.Fatalf("the changed file did not change the image (%s)", x)
	}
	src := "oci-layout:" + dirty + ":v1"
	r := verifyRun(t, p.b, "022", nil, "--against", src)
	head := fmt.Sprintf("NOT verified: %s is %s, but a clean rebuild of svc/lading.yaml at commit %s gives %s\n", src, y, p.commit[:12], x)
	if r.code != 1 || !strings.HasPrefix(r.stdout, head) {
		t.Fatalf("exit %d, stdout:\n%s\nwant exit 1 and first:\n%s\nstderr:\n%s", r.code, r.stdout, head, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^layer \d+: /srv/static/b\.txt: content sha256:[0-9a-f]{64} → sha256:[0-9a-f]{64}$`).MatchString(r.stdout) {
		t.Errorf("stdout does not name /srv/static/b.txt's content as differing:\n%s", r.stdout)
	}
	for _, other := range []string{"/srv/static/index.html", "/usr/local/bin/app", "/srv/probe", "config"} {
		if strings.Contains(r.stdout, other) {
			t.Errorf("stdout says %s differs too:\n%s", other, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "was built from a checkout with uncommitted changes") {
		t.Errorf("stderr does not warn of the uncommitted changes:\n%s", r.stderr)
	}
	verifyCheckRebuild(t, r)
}

// TestVerifyIndexE2E: a two-platform build (the spec names one platform,
// --platform two: verify takes them from the provenance) verifies as the
// index and, with --platform, as the other platform's image (compared with
// that platform's image of the rebuilt index). With one committed file changed
// and not committed, the index does not verify and the report names the
// file under each platform; the host's platform image does not verify
// either, and its report, image against image, names the file once.
func TestVerifyIndexE2E(t *testing.T) {
	needs(t, "git", crossCompile)
	other := map[bool]string{true: "linux/arm64", false: "linux/amd64"}[runtime.GOARCH == "amd64"]
	p := newVerifyProject(t)
	platforms := "--platform=" + defaultPlatform() + "," + other
	layout := filepath.Join(p.out, "index")
	x := p.build(t, nil, platforms, "--oci-layout", layout+":v1")
	images := verifyPlatformImages(t, layout, x)
	p.verifyOK(t, p.b, "022", nil, "oci-layout:"+layout+":v1", x)
	r := p.verifyOK(t, p.b, "022", nil, "oci-layout:"+layout+":v1", images[other], "--platform", other)
	verifyCheckRebuild(t, r)

	putFile(t, filepath.Join(p.a, "svc", "static", "b.txt"), "changed, not committed\n")
	dirty := filepath.Join(p.out, "dirty")
	y := p.build(t, nil, platforms, "--oci-layout", dirty+":v1")
	file := regexp.MustCompile(`(?m)^(.*): layer \d+: /srv/static/b\.txt: content sha256:[0-9a-f]{64} → sha256:[0-9a-f]{64}$`)
	r = verifyRun(t, p.b, "022", nil, "--against", "oci-layout:"+dirty+":v1")
	var named []string
	for _, m := range file.FindAllStringSubmatch(r.stdout, -1) {
		named = append(named, m[1])
	}
	if r.code != 1 || !strings.HasPrefix(r.stdout, "NOT verified: oci-layout:"+dirty+":v1 is "+y) || !slices.Equal(named, []string{defaultPlatform(), other}) {
		t.Errorf("index with a changed file: exit %d, stdout:\n%s\nwant exit 1 and the file named for both platforms", r.code, r.stdout)
	}
	host := verifyPlatformImages(t, dirty, y)[defaultPlatform()]
	src := "oci-layout:" + dirty + ":v1 (" + defaultPlatform() + ")"
	r = verifyRun(t, p.b, "022", nil, "--against", "oci-layout:"+dirty+":v1", "--platform", defaultPlatform())
	head := fmt.Sprintf("NOT verified: %s is %s, but a clean rebuild of svc/lading.yaml at commit %s gives %s\n", src, host, p.commit[:12], images[defaultPlatform()])
	if r.code != 1 || !strings.HasPrefix(r.stdout, head) || len(file.FindAllString(r.stdout, -1)) != 0 ||
		!regexp.MustCompile(`(?m)^layer \d+: /srv/static/b\.txt: content `).MatchString(r.stdout) || strings.Contains(r.stdout, "platform") {
		t.Errorf("platform image with a changed file: exit %d, stdout:\n%s\nwant exit 1, first:\n%s\nand the file named once, image against image", r.code, r.stdout, head)
	}
}

// verifyPlatformImages maps each platform of the index idx, in the layout
// dir, to its image's digest.
func verifyPlatformImages(t *testing.T, dir, idx string) map[string]string {
	t.Helper()
	h, err := v1.NewHash(idx)
	noErr(t, err)
	var im v1.IndexManifest
	readJSON(t, filepath.Join(dir, "blobs", h.Algorithm, h.Hex), &im)
	out := map[string]string{}
	for _, m := range im.Manifests {
		if m.Platform != nil {
			out[m.Platform.String()] = m.Digest.String()
		}
	}
	if len(out) != 2 {
		t.Fatalf("index %s lists %v, want two platform images", idx, im.Manifests)
	}
	return out
}

// TestVerifyNoProvenanceE2E: an image built with --provenance=false (the
// layout holds no in-toto artifact; the image's digest is the one with a
// provenance) verifies by a rebuild of HEAD of the checkout verify runs in,
// spec ./lading.yaml, and stderr says there was no provenance.
func TestVerifyNoProvenanceE2E(t *testing.T) {
	needs(t, "git")
	p := newVerifyProject(t)
	x := p.build(t, nil, "--oci-layout", filepath.Join(p.out, "with")+":v1")
	bare := filepath.Join(p.out, "bare")
	if got := p.build(t, nil, "--provenance=false", "--oci-layout", bare+":v1"); got != x {
		t.Fatalf("--provenance=false changed the image: %s, with a provenance %s", got, x)
	}
	var idx v1.IndexManifest
	readJSON(t, filepath.Join(bare, "index.json"), &idx)
	for _, m := range idx.Manifests {
		if m.ArtifactType == attest.MediaTypeInToto {
			t.Fatalf("the --provenance=false layout holds a provenance: %+v", m)
		}
	}
	r := p.verifyOK(t, filepath.Join(p.b, "svc"), "022", nil, "oci-layout:"+bare+":v1", x)
	if !strings.Contains(r.stderr, "has no provenance attached") || !strings.Contains(r.stderr, "rebuilding HEAD") {
		t.Errorf("stderr does not say that there was no provenance:\n%s", r.stderr)
	}
	verifyCheckRebuild(t, r)
}

// TestVerifyRegistryE2E: an image pushed with lading build --push to
// Debian's docker-registry (TLS from the test's CA, basic auth from a
// docker config; no referrers API, so the provenance hangs off the
// sha256-<hex> tag) verifies from the other clone with --registry-ca.
func TestVerifyRegistryE2E(t *testing.T) {
	needs(t, "git", "docker-registry", "htpasswd")
	reg := startDistribution(t)
	p := newVerifyProject(t)
	cfg := filepath.Join(t.TempDir(), "config.json")
	putFile(t, cfg, fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, reg.host, b64(regUser+":"+regPassword)))
	env := append(withoutVar(childEnv(), "DOCKER_CONFIG", "DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "SSL_CERT_FILE"),
		"DOCKER_CONFIG="+filepath.Dir(cfg))
	ref := reg.host + "/verify/app:v1"
	x := p.build(t, env, "-t", ref, "--push", "--registry-ca", reg.ca)
	r := p.verifyOK(t, p.b, "022", env, ref, x, "--registry-ca", reg.ca)
	verifyCheckRebuild(t, r)
	if strings.Contains(r.stdout+r.stderr, regPassword) {
		t.Errorf("verify printed the password:\n%s%s", r.stdout, r.stderr)
	}
}

// TestVerifyErrorsE2E: usage mistakes exit 2 and other failures 1, each
// with a message that says what to do, and no scratch directory is left
// behind: --against missing, --signature without --key, --key without
// --signature, a flag after -- that verify decides, a docker-archive
// (prefixed, or a plain path), a path that does not exist; a provenance
// whose commit the checkout lacks (verify run in an unrelated
// repository), a directory outside any checkout, a layout that does not
// exist, a spec that was never committed, a rebuild that fails (its own
// error shown).
func TestVerifyErrorsE2E(t *testing.T) {
	needs(t, "git")
	p := newVerifyProject(t)
	layout, docker := filepath.Join(p.out, "layout"), filepath.Join(p.out, "app.docker.tar")
	p.build(t, nil, "--oci-layout", layout+":v1", "--docker-archive", docker)
	putFile(t, filepath.Join(p.a, "svc", "new.yaml"), string(readAll(t, filepath.Join(p.a, "svc", "lading.yaml"))))
	uncommitted := filepath.Join(p.out, "uncommitted")
	if code, _, stderr := ladingRun(t, p.a, nil, "", "build", "-f", "svc/new.yaml", "--oci-layout", uncommitted+":v1", "-q"); code != 0 {
		t.Fatalf("build svc/new.yaml: exit %d\n%s", code, stderr)
	}
	unrelated := filepath.Join(t.TempDir(), "unrelated")
	putFile(t, filepath.Join(unrelated, "README"), "another project\n")
	verifyGit(t, unrelated, "init", "-q", "-b", "main")
	verifyGit(t, unrelated, "add", "-A")
	verifyGit(t, unrelated, "-c", "user.name=U", "-c", "user.email=u@example.com", "commit", "-q", "-m", "unrelated")
	src := "oci-layout:" + layout + ":v1"
	for _, tc := range []struct {
		name, dir string
		args      []string
		code      int
		want      []string // in stderr
	}{
		{"no --against", p.b, nil, 2, []string{"want --against SRC", "lading verify --help"}},
		{"--signature without --key", p.b, []string{"--signature", "registry.example/app:v1"}, 2, []string{"--signature wants --key"}},
		{"--key without --signature", p.b, []string{"--key", "cosign.pub", "--against", src}, 2, []string{"--key is for --signature"}},
		{"--push after --", p.b, []string{"--against", src, "--", "--push"}, 2, []string{"--push is verify's to decide"}},
		{"docker-archive", p.b, []string{"--against", "docker-archive:" + docker}, 2, []string{"a docker-archive carries no provenance", "OCI layout"}},
		{"docker-archive as a plain path", p.b, []string{"--against", docker}, 2, []string{"a docker-archive carries no provenance"}},
		{"commit not in the checkout", unrelated, []string{"--against", src}, 1, []string{"commit " + p.commit, "is not in the checkout", "git fetch"}},
		{"outside a checkout", t.TempDir(), []string{"--against", src}, 1, []string{"is not in a git checkout", "run it in the checkout, or give -f"}},
		{"missing path", p.b, []string{"--against", filepath.Join(p.out, "none")}, 2, []string{"SRC: stat " + filepath.Join(p.out, "none") + ": no such file"}},
		{"missing layout", p.b, []string{"--against", "oci-layout:" + filepath.Join(p.out, "none") + ":v1"}, 1, []string{filepath.Join(p.out, "none")}},
		{"spec never committed", p.b, []string{"--against", "oci-layout:" + uncommitted + ":v1"}, 1,
			[]string{"built from a checkout with uncommitted changes", "commit " + p.commit[:12] + " has no svc/new.yaml: was the spec committed?"}},
		{"rebuild fails", p.b, []string{"--against", src, "--", "--base", "oci-layout:" + filepath.Join(p.out, "none")}, 1,
			[]string{"the rebuild failed (lading build -f svc/lading.yaml ", "--base oci-layout:" + filepath.Join(p.out, "none"), "resolve base"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyRun(t, tc.dir, "022", nil, tc.args...)
			if r.code != tc.code || r.stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and no stdout", r.code, r.stdout, tc.code)
			}
			checkStderr(t, r.stderr, tc.want, nil)
			if left, err := os.ReadDir(r.tmp); err != nil || len(left) != 0 {
				t.Errorf("verify left %v in its TMPDIR (%v)", left, err)
			}
		})
	}
}
