package layer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCollectIntoDir: a dest ending in "/" means "into this directory",
// as Dockerfile COPY reads it: a file source lands at dest/basename, a
// directory's contents under dest (issue #9).
func TestCollectIntoDir(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "server")
	writeFile(t, bin, "elf")
	writeFile(t, filepath.Join(dir, "static", "index.html"), "hi")
	if err := os.Symlink("server", filepath.Join(dir, "bin", "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src, dest string
		want      []string
	}{
		{bin, "/usr/local/bin/", []string{"/usr/local/bin/server"}},
		{bin, "/usr/local/bin/app", []string{"/usr/local/bin/app"}},
		{bin, "/", []string{"/server"}},
		{filepath.Join(dir, "bin", "link"), "/opt/", []string{"/opt/link"}},
		{filepath.Join(dir, "static"), "/srv/static/", []string{"/srv/static/", "/srv/static/index.html"}},
	} {
		es, err := Collect(tc.src, tc.dest, CollectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Path)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Collect(%s, %q) paths = %q, want %q", filepath.Base(tc.src), tc.dest, got, tc.want)
		}
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
