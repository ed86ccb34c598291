package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSpecTagsAndAnnouncement: ./lading.yaml is named on stderr when read
// (not under -q); -t replaces the spec's tags, --tag-add extends them, and
// --no-spec ignores ./lading.yaml (issue #9).
func TestSpecTagsAndAnnouncement(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "a.txt"), "a")
	putFile(t, filepath.Join(dir, "lading.yaml"), "tags: [example.com/real:v1]\nlayers:\n  - name: a\n    files: {src: ./a.txt, dest: /a.txt}\n")
	for i, tc := range []struct {
		args []string
		want []string // RepoTags of the docker-archive
	}{
		{nil, []string{"example.com/real:v1"}},
		{[]string{"-t", "example.com/trial:v1"}, []string{"example.com/trial:v1"}},
		{[]string{"--tag-add", "example.com/real:latest"}, []string{"example.com/real:v1", "example.com/real:latest"}},
		{[]string{"-t", "example.com/trial:v1", "--tag-add", "example.com/trial:v2"}, []string{"example.com/trial:v1", "example.com/trial:v2"}},
		{[]string{"--no-spec", "--add", filepath.Join(dir, "a.txt") + ":/b.txt"}, nil},
	} {
		archive := filepath.Join(dir, "a"+string(rune('0'+i))+".docker.tar")
		args := append([]string{"build", "--source-date-epoch", "0", "--docker-archive", archive}, tc.args...)
		code, _, stderr := runLading(t, dir, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, stderr)
		}
		if got := repoTags(t, archive); !slices.Equal(got, tc.want) {
			t.Errorf("%v: RepoTags %q, want %q", tc.args, got, tc.want)
		}
		announced := strings.Contains(stderr, "reading spec ./lading.yaml") && strings.Contains(stderr, filepath.Join(dir, "lading.yaml"))
		if noSpec := slices.Contains(tc.args, "--no-spec"); announced == noSpec {
			t.Errorf("%v: stderr names the spec: %v, want %v\n%s", tc.args, announced, !noSpec, stderr)
		}
	}
	if _, _, stderr := runLading(t, dir, "build", "-q", "--docker-archive", filepath.Join(dir, "q.tar")); strings.Contains(stderr, "spec") {
		t.Errorf("-q still names the spec: %q", stderr)
	}
	if code, _, stderr := runLading(t, dir, "build", "-q", "--no-spec", "--docker-archive", filepath.Join(dir, "n.tar")); code != exitUsage {
		t.Errorf("--no-spec with nothing else: exit %d, want 2 (nothing to build)\n%s", code, stderr)
	}
}

// repoTags reads the RepoTags of the one image in a docker-archive.
func repoTags(t *testing.T, archive string) []string {
	t.Helper()
	f, err := os.Open(archive)
	noErr(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s has no manifest.json", archive)
		}
		noErr(t, err)
		if h.Name != "manifest.json" {
			continue
		}
		var m []struct{ RepoTags []string }
		noErr(t, json.NewDecoder(tr).Decode(&m))
		return m[0].RepoTags
	}
}
