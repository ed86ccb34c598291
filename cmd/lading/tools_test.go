package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// installLine installs every external tool the end-to-end tests use from
// Debian; .ci/run runs it, and a skip message quotes it.
const installLine = "apt-get install -y skopeo umoci runc docker-registry podman apache2-utils jq"

// goTools are the end-to-end tools that come from go install instead
// (issue 12), at the versions .ci/run pins, by the name the tests run.
var goTools = map[string]string{
	"oras":     "oras.land/oras/cmd/oras@v1.3.6",
	"registry": "github.com/distribution/distribution/v3/cmd/registry@v3.1.2",
	"cosign":   "github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5",
}

// binDir holds the binaries the tests build once per run (lading, the
// hello payload). TestMain creates and removes it; nothing else writes it.
var binDir string

// built remembers each binary built into binDir, so a binary is compiled at
// most once per test run and only by the tests that need one: the
// in-process tests (errors_test.go) never pay for a build.
var built sync.Map // name -> *builtBinary

type builtBinary struct {
	once sync.Once
	path string
	err  error
}

// TestMain creates binDir before the tests and removes it after them.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lading-test-bin-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create test binary directory:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// prereqMissing ends a test whose prerequisite is absent: it fails when
// the CI environment variable is set (CI must run every test), and skips
// otherwise, with a message that says what is missing and how to get it.
func prereqMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this test may not skip)", msg)
	}
	t.Skipf("%s; skipping outside CI", msg)
}

// crossCompile, among needs' arguments, stands for a Go build for another
// architecture: no tool is missing, but on a fresh build cache it compiles
// the standard library again, so -short skips it too.
const crossCompile = "a Go cross-compile"

// needs declares, first thing in a test, the external tools it runs (git
// excepted) and crossCompile if it builds Go for another architecture.
// Under -short the test skips before doing any work (STYLE.md, rule 20:
// the inner loop runs no external tool and stays under 30 s). Otherwise it
// does nothing: each tool is looked up where it is used (requireTool).
func needs(t testing.TB, what ...string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s; skipped under -short", strings.Join(what, ", "))
	}
}

// requireTool returns the path of the external tool name, or ends the test
// through prereqMissing naming the tool and the install line. Under -short
// it skips the test for any tool but git, so a test that forgot needs
// still runs no external tool.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() && name != "git" {
		t.Skipf("needs %s; skipped under -short", name)
	}
	p, err := exec.LookPath(name)
	if pkg, ok := goTools[name]; ok && err != nil {
		prereqMissing(t, "%s not found on PATH; install it with: go install %s (and put $(go env GOPATH)/bin on PATH)", name, pkg)
	}
	if err != nil {
		prereqMissing(t, "%s not found on PATH; install the end-to-end tools with: %s", name, installLine)
	}
	return p
}

// requireRoot ends the test through prereqMissing unless it runs as root
// (runc, and podman without a user namespace set up, need it).
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		prereqMissing(t, "this test needs root (uid 0), running as uid %d", os.Geteuid())
	}
}

// buildOnce runs `go build -o binDir/name args...` in dir, once per test
// run, with extra environment variables; it returns the binary's path.
func buildOnce(t testing.TB, name, dir string, env []string, args ...string) string {
	t.Helper()
	v, _ := built.LoadOrStore(name, &builtBinary{})
	b := v.(*builtBinary)
	b.once.Do(func() {
		b.path = filepath.Join(binDir, name)
		cmd := exec.Command("go", append([]string{"build", "-o", b.path}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// ladingBinary returns the path of the real lading binary, built from this
// package on first use.
func ladingBinary(t testing.TB) string {
	t.Helper()
	return buildOnce(t, "lading", ".", nil, ".")
}

// ladingRun runs the real lading binary with args, in dir ("" for this
// directory), with env (nil for childEnv()) and stdin, and returns its exit
// code, stdout and stderr; only a failure to start ends the test. Every
// test that runs the binary goes through it.
func ladingRun(t testing.TB, dir string, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(ladingBinary(t), args...)
	if env == nil {
		env = childEnv()
	}
	cmd.Dir, cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = dir, env, strings.NewReader(stdin), &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run lading: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// ladingOK runs the lading binary with args and returns its stdout, ending
// the test if it fails.
func ladingOK(t testing.TB, args ...string) string {
	t.Helper()
	code, stdout, stderr := ladingRun(t, "", nil, "", args...)
	if code != 0 {
		t.Fatalf("lading %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// runCmd runs cmd and returns its stdout; on failure it ends the test with
// the command line, its exit status, stdout and stderr.
func runCmd(t testing.TB, cmd *exec.Cmd) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(cmd.Args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// runTool runs the external tool name (see requireTool) with args and
// returns its stdout, ending the test if it fails.
func runTool(t testing.TB, name string, args ...string) string {
	t.Helper()
	return runCmd(t, exec.Command(requireTool(t, name), args...))
}

// childEnv is this process's environment without the variables that steer
// a lading build (so the test decides them), plus extra. The layer cache is
// one for the whole test run, under binDir, never the user's; a test that
// needs builds independent of each other passes its own LADING_CACHE_DIR
// (a later one in extra wins) or --no-cache.
func childEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "SOURCE_DATE_EPOCH", "GOMAXPROCS", "TMPDIR", "LADING_CACHE_DIR", "XDG_CACHE_HOME":
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "LADING_CACHE_DIR="+filepath.Join(binDir, "cache"))
	return append(out, extra...)
}

// normalisedMode is the mode lading stores for a host entry of mode m:
// dirs 0755, files with any exec bit 0755, other files 0644, symlinks 0777.
func normalisedMode(m fs.FileMode) fs.FileMode {
	switch {
	case m.IsDir():
		return fs.ModeDir | 0o755
	case m&fs.ModeSymlink != 0:
		return fs.ModeSymlink | 0o777
	case m&0o111 != 0:
		return 0o755
	}
	return 0o644
}

// keptMode is an unpacked entry's mode as found: type, permission and the
// setuid, setgid and sticky bits (which lading must not add).
func keptMode(m fs.FileMode) fs.FileMode {
	return m & (fs.ModeType | fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// describeTree maps every path under root (root itself is ".") to its mode,
// passed through mode, and its content hash or symlink target; diffTrees
// compares two such maps.
func describeTree(t testing.TB, root string, mode func(fs.FileMode) fs.FileMode) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel], err = describeEntry(p, info, mode)
		return err
	})
	if err != nil {
		t.Fatalf("describe %s: %v", root, err)
	}
	return out
}

func describeEntry(p string, info fs.FileInfo, mode func(fs.FileMode) fs.FileMode) (string, error) {
	desc := mode(info.Mode()).String()
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		return desc + " -> " + target, err
	case info.Mode().IsRegular():
		sum, err := fileSHA256(p)
		return desc + " " + sum, err
	}
	return desc, nil
}

// fileSHA256 is the "sha256:<hex>" digest of the file at p.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// diffTrees reports, in path order, every path whose description differs
// between want and got (a missing path has the empty description).
func diffTrees(t testing.TB, want, got map[string]string) {
	t.Helper()
	keys := maps.Clone(want)
	maps.Copy(keys, got)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if want[k] != got[k] {
			t.Errorf("%s:\n  want %q\n  got  %q", k, want[k], got[k])
		}
	}
}

// readJSON decodes the JSON file at path into v.
func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
}
