package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputPathCollisions: outputs compared as cleaned absolute paths
// (issue 13, case 16): two outputs on one file, the metadata file on an
// output, an output on an input, and an input inside a layout are refused
// before anything is written, and the input is left as it was.
func TestOutputPathCollisions(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	putFile(t, filepath.Join(src, "app"), "precious input\n")
	lay := filepath.Join(dir, "lay") // an existing layout with an input in it
	putFile(t, filepath.Join(lay, "oci-layout"), `{"imageLayoutVersion":"1.0.0"}`)
	putFile(t, filepath.Join(lay, "index.json"), `{"schemaVersion":2,"manifests":[]}`)
	putFile(t, filepath.Join(lay, "in", "file"), "x")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"same archive twice", []string{"--oci-archive", filepath.Join(dir, "x.tar"), "--docker-archive", dir + "/./x.tar"}, "name the same path"},
		{"metadata on an output", []string{"--oci-archive", filepath.Join(dir, "x.tar"), "--metadata-file", filepath.Join(dir, "sub", "..", "x.tar")}, "name the same path"},
		{"output on an input file", []string{"--oci-archive", filepath.Join(src, "app")}, "on or inside"},
		{"output inside an input", []string{"--oci-archive", filepath.Join(src, "new.tar")}, "on or inside"},
		{"input inside a layout", []string{"--add", filepath.Join(lay, "in") + ":/in", "--oci-layout", lay}, "on or inside"},
	} {
		code, stdout, stderr := runLading(t, dir, append([]string{"build", "--add", src + ":/srv"}, tc.args...)...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want a usage error saying %q", tc.name, code, stdout, stderr, tc.want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(src, "app")); string(b) != "precious input\n" {
		t.Errorf("the input was replaced: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.tar")); !os.IsNotExist(err) {
		t.Errorf("an output was written despite the collision")
	}
}
