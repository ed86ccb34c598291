package oci

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func readIndex(t *testing.T, dir string) v1.IndexManifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestWriteLayoutReplacesRef(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "layout")
	a, b := randomImage(t), randomImage(t)
	for _, step := range []struct {
		img v1.Image
		ref string
	}{{a, "v1"}, {b, "v2"}, {b, "v1"}} {
		if err := WriteLayout(ctx, dir, step.img, step.ref); err != nil {
			t.Fatal(err)
		}
	}
	idx := readIndex(t, dir)
	if len(idx.Manifests) != 2 {
		t.Fatalf("index has %d entries, want 2 (v1 replaced, not duplicated)", len(idx.Manifests))
	}
	bd, _ := b.Digest()
	for _, m := range idx.Manifests {
		if m.Digest != bd {
			t.Errorf("%s points at %s, want %s", m.Annotations[AnnotationRefName], m.Digest, bd)
		}
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Image(bd)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatal(err)
	}
}

func TestWriteLayoutRewritesCorruptBlob(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "layout")
	img := randomImage(t)
	if err := WriteLayout(ctx, dir, img, "x"); err != nil {
		t.Fatal(err)
	}
	layers, _ := img.Layers()
	d, _ := layers[0].Digest()
	blob := filepath.Join(dir, "blobs", "sha256", d.Hex)
	if err := os.WriteFile(blob, []byte("truncated"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLayout(ctx, dir, img, "x"); err != nil {
		t.Fatal(err)
	}
	if !fileHasDigest(blob, d) {
		t.Fatal("a corrupt blob was trusted instead of rewritten")
	}
}

func TestWriteLayoutRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLayout(context.Background(), dir, randomImage(t), "x"); err == nil {
		t.Fatal("WriteLayout wrote into a non-empty directory that is not a layout")
	}
}

func TestWriteCancelledLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	img := randomImage(t)
	epoch := time.Unix(0, 0)
	errs := []error{
		WriteLayout(ctx, filepath.Join(dir, "layout"), img, "x"),
		WriteOCIArchive(ctx, filepath.Join(dir, "a.oci.tar"), img, "x", epoch),
		WriteDockerArchive(ctx, filepath.Join(dir, "a.docker.tar"), img, nil, epoch),
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d succeeded under a cancelled context", i)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("cancelled writes left %v", left)
	}
}

func TestArchivesAreDeterministic(t *testing.T) {
	ctx := context.Background()
	img := randomImage(t)
	idx, err := random.Index(512, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Unix(1700000000, 0)
	dir := t.TempDir()
	for _, n := range []string{"1", "2"} {
		if err := WriteOCIArchive(ctx, filepath.Join(dir, "oci"+n), idx, "v1", epoch); err != nil {
			t.Fatal(err)
		}
		if err := WriteDockerArchive(ctx, filepath.Join(dir, "docker"+n), img, []string{"a/b:c"}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"oci", "docker"} {
		a, _ := os.ReadFile(filepath.Join(dir, k+"1"))
		b, _ := os.ReadFile(filepath.Join(dir, k+"2"))
		if string(a) != string(b) || len(a) == 0 {
			t.Errorf("%s archives differ between two writes of the same image", k)
		}
	}
}

// pathLayer is a layer whose blob is a finished file, as lading's are.
type pathLayer struct {
	v1.Layer
	path string
}

func (p pathLayer) Path() string { return p.path }

func TestWriteLayoutLinksFileBackedLayers(t *testing.T) {
	dir := t.TempDir()
	l, err := random.Layer(4096, "application/vnd.oci.image.layer.v1.tar+gzip")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Compressed()
	data, _ := io.ReadAll(rc)
	src := filepath.Join(dir, "layer.blob")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, pathLayer{Layer: l, path: src})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "layout")
	if err := WriteLayout(context.Background(), out, img, "x"); err != nil {
		t.Fatal(err)
	}
	d, _ := l.Digest()
	a, _ := os.Stat(src)
	b, err := os.Stat(filepath.Join(out, "blobs", "sha256", d.Hex))
	if err != nil || !os.SameFile(a, b) || b.Mode().Perm() != 0o644 {
		t.Fatalf("blob %v (mode %v): want the layer file hard linked, mode 0644", err, b.Mode())
	}
}
