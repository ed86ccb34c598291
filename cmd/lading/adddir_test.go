package main

import (
	"archive/tar"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// TestAddIntoDirectory: a DEST ending in "/" puts a file source into that
// directory under its own name, for --add and a spec files layer alike,
// as Dockerfile COPY does (issue #9).
func TestAddIntoDirectory(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "bin", "server"), "elf")
	putFile(t, filepath.Join(dir, "conf", "app.toml"), "x")
	putFile(t, filepath.Join(dir, "lading.yaml"), "layers:\n  - name: conf\n    files: {src: ./conf/app.toml, dest: /etc/app/}\n")
	out := filepath.Join(dir, "out")
	buildOK(t, dir, "-f", filepath.Join(dir, "lading.yaml"), "--add", filepath.Join(dir, "bin", "server")+":/usr/local/bin/", "--oci-layout", out)
	got := imagePaths(t, out)
	for _, want := range []string{"usr/local/bin/server", "etc/app/app.toml"} {
		if !slices.Contains(got, want) {
			t.Errorf("image paths %q lack %s", got, want)
		}
	}
}

// imagePaths lists the tar entry names of every layer of the one image
// in the layout at dir.
func imagePaths(t *testing.T, dir string) []string {
	t.Helper()
	a, err := oci.OpenLayout(dir, "")
	noErr(t, err)
	img, ok := a.(v1.Image)
	if !ok {
		t.Fatalf("%s holds an index, want one image", dir)
	}
	layers, err := img.Layers()
	noErr(t, err)
	var names []string
	for _, l := range layers {
		rc, err := l.Uncompressed()
		noErr(t, err)
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			noErr(t, err)
			names = append(names, h.Name)
		}
		rc.Close()
	}
	return names
}
