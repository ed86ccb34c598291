package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlatformMustExist: --platform, --archive-platform and a spec's
// platforms go through one parser that knows the real platforms and
// suggests the nearest (issue #9).
func TestPlatformMustExist(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "a.txt"), "a")
	add := filepath.Join(dir, "a.txt") + ":/a.txt"
	spec := filepath.Join(dir, "spec.yaml")
	putFile(t, spec, "platforms: [linux/amd46]\nlayers:\n  - name: a\n    files: {src: ./a.txt, dest: /a.txt}\n")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--add", add, "--platform", "linux/amd46"}, exitUsage},
		{[]string{"--add", add, "--platform", "linux/arm64,linux/amd46"}, exitUsage},
		{[]string{"--add", add, "--archive-platform", "linux/amd46"}, exitUsage},
		{[]string{"-f", spec}, exitBuild},
	} {
		args := append([]string{"build", "-q", "--oci-layout", filepath.Join(dir, "out")}, tc.args...)
		code, _, stderr := runLading(t, dir, args...)
		if code != tc.code || !strings.Contains(stderr, `"linux/amd46"`) || !strings.Contains(stderr, "did you mean linux/amd64?") {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and a suggestion of linux/amd64", tc.args, code, stderr, tc.code)
		}
	}
}

// TestNothingToBuild: no spec, no --add and a scratch base is a usage
// error saying what to give, not an empty image (issue #9).
func TestNothingToBuild(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runLading(t, dir, "build", "-q", "--oci-layout", out)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "--add SRC:DEST") || !strings.Contains(stderr, "-f FILE") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 naming --add SRC:DEST and -f FILE", code, stdout, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an empty build wrote an output")
	}
}

// TestUsageExitCodes: a missing spec file, a malformed tag and a missing
// --add source are usage errors (exit 2), as README says; a tag with
// capitals says how to spell it (issue #9).
func TestUsageExitCodes(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "a.txt"), "a")
	add := filepath.Join(dir, "a.txt") + ":/a.txt"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-f", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{[]string{"--add", add, "-t", "UXApp:v1"}, "repository names must be lowercase: uxapp"},
		{[]string{"--add", add, "--tag-add", "UXApp:v1"}, "repository names must be lowercase: uxapp"},
		{[]string{"--add", add, "-t", "app:bad tag"}, `"app:bad tag"`},
		{[]string{"--add", filepath.Join(dir, "nope") + ":/x"}, "nope"},
		{[]string{"--add", add, "--no-spec", "-f", "x.yaml"}, "--no-spec"},
	} {
		out := filepath.Join(dir, "out")
		code, _, stderr := runLading(t, dir, append([]string{"build", "-q", "--oci-layout", out}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, stderr, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: a usage error wrote output", tc.args)
		}
	}
	spec := filepath.Join(dir, "caps.yaml")
	putFile(t, spec, "tags: [UXApp:v1]\nlayers:\n  - name: a\n    files: {src: ./a.txt, dest: /a.txt}\n")
	if _, _, stderr := runLading(t, dir, "build", "-q", "-f", spec, "--oci-layout", filepath.Join(dir, "o")); !strings.Contains(stderr, "repository names must be lowercase: uxapp") {
		t.Errorf("spec tag with capitals: stderr %q, want the lowercase spelling", stderr)
	}
}
