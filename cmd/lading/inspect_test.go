package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInspectRegistry: inspect, ls and diff read an index from a registry
// (ggcr's, in process, on loopback): inspect lists its platforms, ls
// lists one platform's tree, and diff finds it identical to the layout of
// the same build and different from an index with one platform less.
func TestInspectRegistry(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "hello.txt"), "hi")
	build := func(platforms, out string, extra ...string) {
		args := append([]string{"build", "-q", "--add", filepath.Join(dir, "tree") + ":/srv", "--platform", platforms,
			"--source-date-epoch", "0", "--oci-layout", filepath.Join(dir, out)}, extra...)
		if code, _, stderr := runLading(t, dir, args...); code != 0 {
			t.Fatalf("build: exit %d\n%s", code, stderr)
		}
	}
	ref := host + "/web/app:v1"
	build("linux/amd64,linux/arm64", "two", "--push", "-t", ref)
	build("linux/amd64", "one")
	out := lading(t, dir, 0, "inspect", ref)
	if !strings.HasPrefix(out, "index ") || !strings.Contains(out, "linux/amd64") || !strings.Contains(out, "linux/arm64") {
		t.Errorf("inspect %s:\n%s\nwant an index with both platforms", ref, out)
	}
	var d struct{ Kind, Platform string }
	noErr(t, json.Unmarshal([]byte(lading(t, dir, 0, "inspect", "--json", "--platform", "linux/arm64", ref)), &d))
	if d.Kind != "image" || d.Platform != "linux/arm64" {
		t.Errorf("inspect --platform linux/arm64: %+v", d)
	}
	if ls := lading(t, dir, 0, "ls", "--platform", "linux/arm64", ref, "/srv"); !strings.Contains(ls, "-rw-r--r-- 0:0 2 ") || !strings.HasSuffix(ls, "layer 1 /srv/hello.txt\n") {
		t.Errorf("ls /srv:\n%s", ls)
	}
	if same := lading(t, dir, 0, "diff", ref, "oci-layout:"+filepath.Join(dir, "two")); same != "" {
		t.Errorf("diff of a pushed index and its layout: %s", same)
	}
	if diff := lading(t, dir, 1, "diff", ref, filepath.Join(dir, "one")); !strings.Contains(diff, "platform linux/arm64: removed sha256:") {
		t.Errorf("diff against one platform:\n%s", diff)
	}
	lading(t, dir, 2, "diff", ref, filepath.Join(dir, "missing"))
	lading(t, dir, 2, "ls", ref)
}

// lading runs the CLI in process, checks its exit code and returns stdout.
func lading(t *testing.T, dir string, want int, args ...string) string {
	t.Helper()
	code, stdout, stderr := runLading(t, dir, args...)
	if code != want {
		t.Fatalf("lading %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout
}

// TestInspectAttached: inspect lists the SBOM and provenance attached to
// each platform image and the index's provenance, the same from the
// layout, the oci-archive and the registry (ggcr's, with the referrers
// API), and none for a build without them (issue 12).
func TestInspectAttached(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "hello.txt"), "hi")
	ref := host + "/web/app:v1"
	base := []string{"build", "-q", "--add", filepath.Join(dir, "tree") + ":/srv", "--platform", "linux/amd64,linux/arm64",
		"--source-date-epoch", "0"}
	lading(t, dir, 0, append(base, "--oci-layout", filepath.Join(dir, "out"), "--oci-archive", filepath.Join(dir, "out.tar"), "--push", "-t", ref)...)
	lading(t, dir, 0, append(base, "--oci-layout", filepath.Join(dir, "bare"), "--sbom=false", "--provenance=false")...)
	attached := func(src string) []string {
		var d struct {
			Attached []struct{ Subject, ArtifactType, Digest string }
		}
		noErr(t, json.Unmarshal([]byte(lading(t, dir, 0, "inspect", "--json", src)), &d))
		var out []string
		for _, a := range d.Attached {
			out = append(out, a.Subject+" "+a.ArtifactType+" "+a.Digest)
		}
		slices.Sort(out)
		return out
	}
	layout := attached("oci-layout:" + filepath.Join(dir, "out"))
	counts := map[string]int{}
	for _, a := range layout {
		counts[strings.Fields(a)[1]]++
	}
	if len(layout) != 5 || counts["application/spdx+json"] != 2 || counts["application/vnd.in-toto+json"] != 3 {
		t.Errorf("attached in the layout: %q, want an SBOM per platform and three provenances", layout)
	}
	for _, src := range []string{"oci-archive:" + filepath.Join(dir, "out.tar"), ref} {
		if got := attached(src); !slices.Equal(got, layout) {
			t.Errorf("attached in %s: %q, want the layout's %q", src, got, layout)
		}
	}
	if got := attached(filepath.Join(dir, "bare")); len(got) != 0 {
		t.Errorf("attached with --sbom=false --provenance=false: %q, want none", got)
	}
	if text := lading(t, dir, 0, "inspect", "oci-layout:"+filepath.Join(dir, "out")); strings.Count(text, "attached to sha256:") != 5 {
		t.Errorf("inspect's text names %d attached documents, want 5:\n%s", strings.Count(text, "attached to sha256:"), text)
	}
}
