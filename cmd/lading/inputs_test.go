package main

import (
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
