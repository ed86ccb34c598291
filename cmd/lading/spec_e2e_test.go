package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// helloFor is testdata/e2e/hello cross-compiled, static, for linux/goarch,
// once per test run.
func helloFor(t *testing.T, goarch string) string {
	t.Helper()
	return buildOnce(t, "hello-"+goarch, filepath.Join("..", ".."),
		[]string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + goarch}, "-trimpath", "./testdata/e2e/hello")
}

// ladingExit runs the real lading binary with args in dir and returns its
// exit code, stdout and stderr; a failure to start ends the test.
func ladingExit(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(ladingBinary(t), args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, childEnv(), &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run lading: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
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
			code, stdout, stderr := ladingExit(t, dir, append(args, checkOutputArgs(dir)...)...)
			if code != tc.wantCode || stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and no stdout", code, stdout, tc.wantCode)
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
// is absent or empty, and no temporary file was left beside the inputs.
func checkNothingWritten(t *testing.T, dir string) {
	t.Helper()
	if left, err := os.ReadDir(filepath.Join(dir, "out")); !os.IsNotExist(err) && (err != nil || len(left) != 0) {
		t.Errorf("failed build left %v (%v) in the output directory", left, err)
	}
	if top, err := os.ReadDir(dir); err != nil || len(top) != 1 {
		t.Errorf("%s holds %v (%v), want only the input tree", dir, top, err)
	}
}

// TestImageChecksPassE2E: the controls. The arm64 binary builds into the
// arm64 image, where the output holds it as an ARM64 ELF; turning the
// elf-arch check off lets it into the amd64 image, and stderr says so.
func TestImageChecksPassE2E(t *testing.T) {
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
			code, stdout, stderr := ladingExit(t, dir, args...)
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

// elfMachine is the ELF machine of the executable b.
func elfMachine(t *testing.T, b []byte) elf.Machine {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	noErr(t, err)
	return f.Machine
}

// imageFile is the content of the regular file at path (absolute) in
// img's flattened file system; a missing path ends the test.
func imageFile(t *testing.T, img v1.Image, path string) []byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("image has no file %s", path)
		}
		noErr(t, err)
		if "/"+strings.TrimPrefix(h.Name, "./") == path && h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			noErr(t, err)
			return b
		}
	}
}
