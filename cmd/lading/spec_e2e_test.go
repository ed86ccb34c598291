package main

import (
	"debug/elf"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// helloFor is testdata/e2e/hello cross-compiled, static, for linux/goarch,
// once per test run.
func helloFor(t *testing.T, goarch string) string {
	t.Helper()
	if goarch != runtime.GOARCH {
		needs(t, crossCompile)
	}
	return buildOnce(t, "hello-"+goarch, filepath.Join("..", ".."),
		[]string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + goarch}, "-trimpath", "./testdata/e2e/hello")
}

// checkOutputArgs names every kind of output under dir/out, plus a
// metadata file, so a failing build can be shown to write none of them.
func checkOutputArgs(dir string) []string {
	out := filepath.Join(dir, "out")
	return []string{"--oci-layout", filepath.Join(out, "layout"), "--oci-archive", filepath.Join(out, "a.oci.tar"),
		"--docker-archive", filepath.Join(out, "a.docker.tar"), "--metadata-file", filepath.Join(out, "meta.json"),
		"--source-date-epoch", strconv.Itoa(e2eEpoch)}
}

// TestImageChecksE2E: the real binary refuses, with exit 1, an image whose
// entrypoint or user is wrong or which holds an ELF binary for another
// architecture; stderr names each failing platform and the path, and
// nothing is written at any output path (issue #4, "Done when" point 5,
// from the CLI; the spec's run-layer variant is TestSpecChecksE2E).
func TestImageChecksE2E(t *testing.T) {
	needs(t, crossCompile)
	arm64 := helloFor(t, "arm64")
	for _, tc := range []struct {
		name     string
		args     []string
		want     []string // in stderr
		wantNot  []string // not in stderr
		wantCode int
	}{
		{"missing entrypoint", []string{"--platform", "linux/amd64,linux/arm64", "--add", "TREE/data.txt:/srv/data.txt",
			"--entrypoint", "/usr/local/bin/missing"},
			[]string{"image checks failed for linux/amd64", "image checks failed for linux/arm64", "entrypoint", "/usr/local/bin/missing"}, nil, 1},
		{"entrypoint not executable", []string{"--add", "TREE/data.txt:/usr/local/bin/app", "--entrypoint", "/usr/local/bin/app"},
			[]string{"linux/amd64", "entrypoint", "/usr/local/bin/app"}, nil, 1},
		{"entrypoint a dangling symlink", []string{"--add", "TREE/dangling:/usr/local/bin/app", "--entrypoint", "/usr/local/bin/app"},
			[]string{"linux/amd64", "entrypoint", "/usr/local/bin/app"}, nil, 1},
		{"cmd[0] missing", []string{"--add", "TREE/data.txt:/srv/data.txt", "--cmd", `["/srv/run","x"]`},
			[]string{"linux/amd64", "/srv/run"}, nil, 1},
		{"arm64 ELF in the amd64 image", []string{"--add", arm64 + ":/usr/local/bin/hello", "--entrypoint", "/usr/local/bin/hello"},
			[]string{"image checks failed for linux/amd64", "elf-arch", "/usr/local/bin/hello", "arm64"}, nil, 1},
		{"arm64 ELF in an amd64+arm64 index", []string{"--platform", "linux/amd64,linux/arm64",
			"--add", arm64 + ":/usr/local/bin/hello", "--entrypoint", "/usr/local/bin/hello"},
			[]string{"image checks failed for linux/amd64", "elf-arch", "/usr/local/bin/hello"}, []string{"failed for linux/arm64"}, 1},
		{"user not in /etc/passwd", []string{"--add", arm64 + ":/usr/local/bin/hello", "--entrypoint", "/usr/local/bin/hello",
			"--platform", "linux/arm64", "--user", "appuser"},
			[]string{"image checks failed for linux/arm64", "user", "appuser", "/etc/passwd"}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tree := filepath.Join(dir, "tree")
			putFile(t, filepath.Join(tree, "data.txt"), "not a program\n")
			noErr(t, os.Symlink("nowhere", filepath.Join(tree, "dangling")))
			args := []string{"build", "--base", "static"}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "TREE", tree))
			}
			code, stdout, stderr := ladingRun(t, dir, nil, "", append(args, checkOutputArgs(dir)...)...)
			if code != tc.wantCode || stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and no stdout", code, stdout, tc.wantCode)
			}
			checkStderr(t, stderr, tc.want, tc.wantNot)
			checkNothingWritten(t, dir, "tree")
		})
	}
}

// TestSpecChecksE2E: specs that fail the built-in checks: a missing
// entrypoint, on both platforms; an arm64 binary that a run layer made
// placed in the amd64 image, which alone fails. Exit 1, the platform and
// path named, nothing written (issue #4, "Done when" point 5).
func TestSpecChecksE2E(t *testing.T) {
	needs(t, crossCompile)
	for _, tc := range []struct {
		spec          string
		want, wantNot []string
	}{
		{"missing-entrypoint.yaml", []string{"image checks failed for linux/amd64", "image checks failed for linux/arm64",
			"entrypoint", "/usr/local/bin/missing"}, nil},
		{"arm64-in-amd64.yaml", []string{"image checks failed for linux/amd64", "elf-arch", "/usr/local/bin/hello", "arm64"},
			[]string{"failed for linux/arm64"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			dir := t.TempDir()
			spec, err := filepath.Abs(filepath.Join("..", "..", "testdata", "e2e", "checks", tc.spec))
			noErr(t, err)
			code, stdout, stderr := ladingRun(t, dir, nil, "", append([]string{"build", "-f", spec}, checkOutputArgs(dir)...)...)
			if code != 1 || stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit 1 and no stdout; stderr:\n%s", code, stdout, stderr)
			}
			checkStderr(t, stderr, tc.want, tc.wantNot)
			checkNothingWritten(t, dir)
		})
	}
}

// checkStderr: stderr holds every string of want and none of wantNot.
func checkStderr(t *testing.T, stderr string, want, wantNot []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	for _, w := range wantNot {
		if strings.Contains(stderr, w) {
			t.Errorf("stderr holds %q:\n%s", w, stderr)
		}
	}
}

// checkNothingWritten: dir/out, where checkOutputArgs points every output,
// is absent or empty, and dir holds nothing but the inputs named (no
// temporary file left beside them).
func checkNothingWritten(t *testing.T, dir string, inputs ...string) {
	t.Helper()
	if left, err := os.ReadDir(filepath.Join(dir, "out")); !os.IsNotExist(err) && (err != nil || len(left) != 0) {
		t.Errorf("failed build left %v (%v) in the output directory", left, err)
	}
	top, err := os.ReadDir(dir)
	noErr(t, err)
	var names []string
	for _, e := range top {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, inputs) {
		t.Errorf("%s holds %v, want only the inputs %v", dir, names, inputs)
	}
}

// TestImageChecksPassE2E: the controls. The arm64 binary builds into the
// arm64 image, where the output holds it as an ARM64 ELF; turning the
// elf-arch check off lets it into the amd64 image, and stderr says so.
func TestImageChecksPassE2E(t *testing.T) {
	needs(t, crossCompile)
	arm64 := helloFor(t, "arm64")
	for _, tc := range []struct {
		name  string
		extra []string
		warn  string
	}{
		{"arm64 image", []string{"--platform", "linux/arm64"}, ""},
		{"check skipped", []string{"--platform", "linux/amd64", "--skip-image-checks", "elf-arch"}, "elf-arch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"build", "--base", "static", "--add", arm64 + ":/usr/local/bin/hello",
				"--entrypoint", "/usr/local/bin/hello", "--oci-layout", filepath.Join(dir, "out")}, tc.extra...)
			code, stdout, stderr := ladingRun(t, dir, nil, "", args...)
			if code != 0 || !strings.Contains(stdout, "@sha256:") {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
			if tc.warn != "" && !strings.Contains(stderr, tc.warn) {
				t.Errorf("stderr does not say that check %s is off:\n%s", tc.warn, stderr)
			}
			_, images := readLayout(t, filepath.Join(dir, "out"))
			if m := elfMachine(t, imageFile(t, images[0].image, "/usr/local/bin/hello")); m != elf.EM_AARCH64 {
				t.Errorf("/usr/local/bin/hello in the image is an ELF for %v, want EM_AARCH64", m)
			}
		})
	}
}

// serviceSpec is the example service's spec, relative to the repository
// root; its server prints its banner and build info and exits when run
// with --once.
const serviceSpec = "testdata/service/lading.yaml"

// servicePlatforms are the platforms the service spec names.
var servicePlatforms = []string{"linux/amd64", "linux/arm64"}

// TestServiceE2E builds the example service from its spec: the layout holds
// an index of two images; the amd64 one runs under runc after umoci unpack
// and prints its banner as uid 65532 and what its run layer generated; the
// server in the arm64 one is an ARM64 ELF (issue #4, "Done when" point 1).
func TestServiceE2E(t *testing.T) {
	needs(t, crossCompile, "skopeo", "umoci", "runc")
	out := filepath.Join(t.TempDir(), "layout")
	cmd := exec.Command(ladingBinary(t), "build", "-f", serviceSpec, "--oci-layout", out+":v1")
	cmd.Dir, cmd.Env = filepath.Join("..", ".."), withoutVar(childEnv(), "VERSION")
	runCmd(t, cmd)
	checkServiceLayout(t, out)
	t.Run("amd64 under runc", func(t *testing.T) {
		rootfs := unpackPlatform(t, out+":v1", "amd64")
		checkServiceFiles(t, rootfs)
		got := runBundle(t, filepath.Dir(rootfs), []string{"/usr/local/bin/server", "--once"})
		want := "lading example service dev listening on :8080 as uid 65532\nbuild info: built-for-linux/amd64\n"
		if got != want {
			t.Errorf("runc run output:\n%q\nwant:\n%q", got, want)
		}
	})
	t.Run("arm64 ELF", func(t *testing.T) {
		rootfs := unpackPlatform(t, out+":v1", "arm64")
		if m := elfMachine(t, readAll(t, filepath.Join(rootfs, "usr/local/bin/server"))); m != elf.EM_AARCH64 {
			t.Errorf("/usr/local/bin/server in the arm64 image is an ELF for %v, want EM_AARCH64", m)
		}
	})
}

// checkServiceLayout: the layout's one entry is an index of the two
// platforms' images, each with the static base's layer and the spec's three.
func checkServiceLayout(t *testing.T, layoutDir string) {
	t.Helper()
	top, err := layout.ImageIndexFromPath(layoutDir)
	noErr(t, err)
	im, err := top.IndexManifest()
	noErr(t, err)
	if entries := imageEntries(im.Manifests); len(entries) != 1 || !entries[0].MediaType.IsIndex() {
		t.Fatalf("%s/index.json: %+v, want one image entry, an image index", layoutDir, im.Manifests)
	}
	// Beside it: an SBOM and a provenance per platform image, and the
	// index's provenance (issue 12).
	if n := len(im.Manifests) - 1; n != 2*len(servicePlatforms)+1 {
		t.Errorf("%s/index.json lists %d referrers beside the index, want %d", layoutDir, n, 2*len(servicePlatforms)+1)
	}
	_, images := readLayout(t, layoutDir)
	var got []string
	for _, img := range images {
		got = append(got, img.platform)
		if len(img.layers) != 4 || img.config.Config.User != "65532:65532" {
			t.Errorf("%s: %d layers, user %q; want 4 (static, server, assets, generated) and 65532:65532",
				img.platform, len(img.layers), img.config.Config.User)
		}
	}
	if !slices.Equal(got, servicePlatforms) {
		t.Errorf("index holds images for %v, want %v", got, servicePlatforms)
	}
}

// unpackPlatform copies the image for linux/arch out of the index at ref
// (oci:DIR:TAG without the oci:) into a single-image layout, since umoci
// cannot unpack an index, unpacks it, and returns the bundle's rootfs.
func unpackPlatform(t *testing.T, ref, arch string) string {
	t.Helper()
	dir := t.TempDir()
	single := filepath.Join(dir, "single")
	runTool(t, "skopeo", "copy", "--override-os", "linux", "--override-arch", arch, "oci:"+ref, "oci:"+single+":"+arch)
	bundle := filepath.Join(dir, "bundle")
	runTool(t, "umoci", "unpack", "--image", single+":"+arch, bundle)
	return filepath.Join(bundle, "rootfs")
}

// checkServiceFiles: the assets layer holds the static files but not the
// excluded source map, at mode 0644; the run layer's file is there.
func checkServiceFiles(t *testing.T, rootfs string) {
	t.Helper()
	for _, f := range []string{"srv/static/index.html", "srv/static/app.js", "srv/generated/build-info.txt"} {
		if info, err := os.Stat(filepath.Join(rootfs, f)); err != nil || info.Mode() != 0o644 {
			t.Errorf("/%s: %v, %v; want a file of mode 0644", f, info, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(rootfs, "srv/static/app.js.map")); !os.IsNotExist(err) {
		t.Errorf("/srv/static/app.js.map: %v; want it excluded", err)
	}
}

// runBundle runs the unpacked bundle under runc with args instead of the
// image's, as the image's user, and returns its stdout.
func runBundle(t *testing.T, bundle string, args []string) string {
	t.Helper()
	requireRoot(t)
	runc := requireTool(t, "runc")
	editBundle(t, bundle, args)
	state := t.TempDir()
	id := fmt.Sprintf("lading-service-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	return runCmd(t, exec.Command(runc, "--root", state, "run", "--bundle", bundle, id))
}

// serviceRun is what one reproducibility build of the service chooses, on
// top of what differs anyway: the clone's directory, TMPDIR, the clock.
type serviceRun struct {
	name       string // the clone's directory name
	umask      string
	gomaxprocs string
	// fromOutside runs lading from the clone's parent with an absolute -f,
	// instead of from the clone with a relative one.
	fromOutside bool
}

// TestServiceReproducible builds the example service twice, each from its
// own `git clone` of this repository (so the epoch is the commit's time,
// from git), in different directories, with umask 022 vs 077, GOMAXPROCS
// 1 vs 2, different TMPDIR and working directory, more than a second
// apart: the index digests, and every byte of the two layouts, are the
// same (issue #4, "Done when" point 2), the SBOM referrers of each platform
// image among them (issue 12, "Done when" point 2). Both builds share the Go build
// cache: that a binary does not depend on the cache is
// builder.TestGoBuildReproducible's to show, the one test that pays for an
// empty cache (for one platform; here it cost 4-5 minutes for two, issue 9).
func TestServiceReproducible(t *testing.T) {
	needs(t, crossCompile)
	root := strings.TrimSpace(runTool(t, "git", "-C", filepath.Join("..", ".."), "rev-parse", "--show-toplevel"))
	d1, l1, o1 := buildServiceClone(t, root, serviceRun{name: "first", umask: "022", gomaxprocs: "1"})
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	d2, l2, o2 := buildServiceClone(t, root, serviceRun{name: "second-clone", umask: "077", gomaxprocs: "2",
		fromOutside: true})
	if d1 != d2 {
		t.Errorf("index digests differ: %s and %s", d1, d2)
	}
	if s1, s2 := trustLayoutSBOMs(t, o1), trustLayoutSBOMs(t, o2); len(s1) != len(servicePlatforms) || !maps.Equal(s1, s2) {
		t.Errorf("SBOM digests by platform differ between the clones: %v and %v", s1, s2)
	}
	diffTrees(t, l1, l2)
}

// buildServiceClone clones root into a fresh directory, builds the service
// spec there as r says, and returns the layout's index digest, its entries
// by type and content, and the layout's directory.
func buildServiceClone(t *testing.T, root string, r serviceRun) (string, map[string]string, string) {
	t.Helper()
	dir := t.TempDir()
	clone := filepath.Join(dir, r.name)
	runTool(t, "git", "clone", "-q", "--no-hardlinks", root, clone)
	tmp := filepath.Join(dir, "tmp")
	noErr(t, os.Mkdir(tmp, 0o755))
	// Each build has its own layer cache: the two must not share work.
	env := append(withoutVar(childEnv(), "VERSION"), "GOMAXPROCS="+r.gomaxprocs, "TMPDIR="+tmp, "LADING_CACHE_DIR="+filepath.Join(filepath.Dir(tmp), "cache"))
	spec, wd := serviceSpec, clone
	if r.fromOutside {
		spec, wd = filepath.Join(clone, serviceSpec), dir
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command("sh", "-c", `umask "$0" && exec "$@"`, r.umask, ladingBinary(t), "build", "-f", spec, "--oci-layout", out+":v1")
	cmd.Dir, cmd.Env = wd, env
	digests := resultDigests(t, runCmd(t, cmd))
	if len(digests) != 1 {
		t.Fatalf("%s: %d results, want 1", r.name, len(digests))
	}
	if left, err := os.ReadDir(tmp); err != nil || len(left) != 0 {
		t.Errorf("%s: build left %v in its TMPDIR (%v)", r.name, left, err)
	}
	commitTime, err := strconv.ParseInt(strings.TrimSpace(runTool(t, "git", "-C", clone, "log", "-1", "--format=%ct")), 10, 64)
	noErr(t, err)
	_, images := readLayout(t, out)
	for _, img := range images {
		if got := img.config.Created.Unix(); got != commitTime {
			t.Errorf("%s: %s created at %d, want HEAD's commit time %d", r.name, img.platform, got, commitTime)
		}
	}
	return digests[0], describeTree(t, out, fs.FileMode.Type), out
}
