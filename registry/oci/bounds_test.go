package oci

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// putBlob writes raw as a blob of the layout at dir and describes it.
func putRawBlob(t *testing.T, dir string, raw []byte, mt types.MediaType) v1.Descriptor {
	t.Helper()
	d, n, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "blobs", "sha256", d.Hex), raw)
	return v1.Descriptor{MediaType: mt, Size: n, Digest: d}
}

func writeFile(t *testing.T, path string, raw []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handLayout writes, by hand, a layout of one image with no layers and
// the given config, and returns the manifest's descriptor.
func handLayout(t *testing.T, dir string, config []byte) v1.Descriptor {
	t.Helper()
	cd := putRawBlob(t, dir, config, types.OCIConfigJSON)
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cd, Layers: []v1.Descriptor{}}
	md := putRawBlob(t, dir, mustJSON(t, m), types.OCIManifestSchema1)
	writeIndexJSON(t, dir, md)
	return md
}

func writeIndexJSON(t *testing.T, dir string, ms ...v1.Descriptor) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "oci-layout"), []byte(layoutFile))
	writeFile(t, filepath.Join(dir, "index.json"), mustJSON(t, v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: ms}))
}

const honestConfig = `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error saying %q", err, want)
	}
}

// TestLayoutDigestPinIsEnforced: oci-layout:DIR@sha256:X refuses a blob X
// that holds another manifest (issue 13, case 4).
func TestLayoutDigestPinIsEnforced(t *testing.T) {
	dir := t.TempDir()
	md := handLayout(t, dir, []byte(honestConfig))
	other := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: md, Layers: []v1.Descriptor{}}
	writeFile(t, filepath.Join(dir, "blobs", "sha256", md.Digest.Hex), mustJSON(t, other))
	_, err := OpenLayout(dir, "@"+md.Digest.String())
	wantErr(t, err, "not the blob its descriptor names")
}

// TestLayoutConfigIsVerified: a config altered after its manifest named
// it is refused, not inherited (issue 13, case 2).
func TestLayoutConfigIsVerified(t *testing.T) {
	dir := t.TempDir()
	md := handLayout(t, dir, []byte(honestConfig))
	m := v1.Manifest{}
	raw, _ := os.ReadFile(filepath.Join(dir, "blobs", "sha256", md.Digest.Hex))
	json.Unmarshal(raw, &m)
	evil := strings.Replace(honestConfig, "PATH=/bin", "LD_PRELOAD=/e", 1) // same length
	writeFile(t, filepath.Join(dir, "blobs", "sha256", m.Config.Digest.Hex), []byte(evil))
	a, err := OpenLayout(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.(v1.Image).ConfigFile()
	wantErr(t, err, "not the blob its descriptor names")
}

// TestLayoutReadsAreBounded: index.json that is a FIFO, a device or too
// big, and manifests and configs bigger than their caps, are refused at
// once, without reading them (issue 13, case 7).
func TestLayoutReadsAreBounded(t *testing.T) {
	fifo := func(t *testing.T, dir string) {
		if err := syscall.Mkfifo(filepath.Join(dir, "index.json"), 0o644); err != nil {
			t.Skip("no FIFOs here:", err)
		}
	}
	zero := func(t *testing.T, dir string) {
		if err := os.Symlink("/dev/zero", filepath.Join(dir, "index.json")); err != nil {
			t.Fatal(err)
		}
	}
	huge := func(t *testing.T, dir string) {
		writeFile(t, filepath.Join(dir, "index.json"), nil)
		os.Truncate(filepath.Join(dir, "index.json"), MaxIndexSize+1)
	}
	for _, tc := range []struct {
		name string
		make func(*testing.T, string)
		want string
	}{
		{"index.json is a FIFO", fifo, "not a regular file"},
		{"index.json is /dev/zero", zero, "not a regular file"},
		{"index.json is too big", huge, "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.make(t, dir)
			done := make(chan error, 1)
			go func() { _, err := OpenLayout(dir, ""); done <- err }()
			select {
			case err := <-done:
				wantErr(t, err, tc.want)
			case <-time.After(10 * time.Second):
				t.Fatal("OpenLayout still reading after 10 s")
			}
		})
	}
}

// TestLayoutBlobsAreCapped: a manifest that declares more than
// MaxIndexSize, and a config file far bigger than its cap, are refused
// before they are read.
func TestLayoutBlobsAreCapped(t *testing.T) {
	t.Run("manifest declares too much", func(t *testing.T) {
		dir := t.TempDir()
		md := handLayout(t, dir, []byte(honestConfig))
		md.Size = MaxIndexSize + 1
		writeIndexJSON(t, dir, md)
		_, err := OpenLayout(dir, "")
		wantErr(t, err, "declares")
	})
	t.Run("config file far bigger than declared", func(t *testing.T) {
		dir := t.TempDir()
		md := handLayout(t, dir, []byte(honestConfig))
		m := v1.Manifest{}
		raw, _ := os.ReadFile(filepath.Join(dir, "blobs", "sha256", md.Digest.Hex))
		json.Unmarshal(raw, &m)
		if err := os.Truncate(filepath.Join(dir, "blobs", "sha256", m.Config.Digest.Hex), 64<<20); err != nil {
			t.Fatal(err)
		}
		a, err := OpenLayout(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.(v1.Image).RawConfigFile()
		wantErr(t, err, "more than")
	})
}
