package builder

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/registry/oci"
)

// tarBytes is a tar holding one regular file per name.
func tarBytes(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		noErr(t, tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o755, Size: 2}))
		_, err := io.WriteString(tw, "hi")
		noErr(t, err)
	}
	noErr(t, tw.Close())
	return buf.Bytes()
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	noErr(t, err)
	noErr(t, zw.Close())
	return buf.Bytes()
}

// layerImage is a one-layer image whose layer is blob under media type
// mt and whose config's diff_ids are what edit leaves of the true ones.
func layerImage(t *testing.T, blob []byte, mt types.MediaType, edit func(*v1.ConfigFile)) v1.Image {
	t.Helper()
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: static.NewLayer(blob, mt)})
	noErr(t, err)
	cf, err := img.ConfigFile()
	noErr(t, err)
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs = []v1.Hash{sha256Of(tarBytes(t, "usr/local/bin/app"))}
	if edit != nil {
		edit(cf)
	}
	img, err = mutate.ConfigFile(img, cf)
	noErr(t, err)
	return img
}

func sha256Of(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}

// layoutOf writes img as an OCI layout and returns its base reference.
func layoutOf(t *testing.T, img v1.Image) (string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "base")
	noErr(t, oci.WriteLayout(context.Background(), dir, img, "base"))
	return dir, "oci-layout:" + dir + ":base"
}

// buildOn builds on base with a base cache, returning the error and the
// directory the tree cache lives in.
func buildOn(t *testing.T, base string) (string, error) {
	t.Helper()
	req := request(t, base, amd64)
	cacheDir := t.TempDir()
	req.Cache = oci.NewCache(filepath.Join(cacheDir, "bases"))
	_, err := Build(context.Background(), req)
	return filepath.Join(cacheDir, "trees"), err
}

// TestForgedBaseLayerIsRefused: a layout whose manifest and config are an
// honest image's but whose layer blob holds another tar fails the build,
// and no tree lands in the tree cache under the honest manifest's digest
// (issue 13, case 1: later honest builds placed /usr/local/bin/app at
// /poisoned/app).
func TestForgedBaseLayerIsRefused(t *testing.T) {
	raw := tarBytes(t, "usr/local/bin/app")
	blob := gzipBytes(t, raw)
	img := layerImage(t, blob, types.OCILayer, nil)
	dir, ref := layoutOf(t, img)
	forged := gzipBytes(t, tarBytes(t, "poisoned/app"))
	noErr(t, os.WriteFile(filepath.Join(dir, "blobs", "sha256", sha256Of(blob).Hex), forged, 0o644))
	trees, err := buildOn(t, ref)
	if err == nil || !strings.Contains(err.Error(), "the manifest says") {
		t.Errorf("build on a forged layer: %v, want the digest mismatch named", err)
	}
	if names, _ := os.ReadDir(trees); len(names) != 0 {
		t.Errorf("the tree cache holds %d trees read from a forged layer, want none", len(names))
	}
}

// TestBaseDiffIDsAreChecked: diff_ids that do not match the layers, or a
// config without any, fail the build with an error, not a panic
// (issue 13, case 3).
func TestBaseDiffIDsAreChecked(t *testing.T) {
	blob := gzipBytes(t, tarBytes(t, "usr/local/bin/app"))
	for _, tc := range []struct {
		name string
		edit func(*v1.ConfigFile)
		want string
	}{
		{"another layer's diffID", func(cf *v1.ConfigFile) { cf.RootFS.DiffIDs[0] = sha256Of(blob) }, "rootfs.diff_ids says"},
		{"one diffID too many", func(cf *v1.ConfigFile) { cf.RootFS.DiffIDs = append(cf.RootFS.DiffIDs, sha256Of(blob)) }, "2 rootfs.diff_ids for 1 layers"},
		{"no rootfs", func(cf *v1.ConfigFile) { cf.RootFS = v1.RootFS{} }, "0 rootfs.diff_ids for 1 layers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ref := layoutOf(t, layerImage(t, blob, types.OCILayer, tc.edit))
			if _, err := buildOn(t, ref); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("build: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestBaseMediaTypeLies: a layer whose media type says another
// compression than its bytes have is refused, not copied into the output
// under the false media type (issue 13, case 5).
func TestBaseMediaTypeLies(t *testing.T) {
	raw := tarBytes(t, "usr/local/bin/app")
	for _, tc := range []struct {
		name string
		blob []byte
		mt   types.MediaType
	}{
		{"gzip media type on plain tar", raw, types.OCILayer},
		{"zstd media type on gzip", gzipBytes(t, raw), types.OCILayerZStd},
		{"tar media type on gzip", gzipBytes(t, raw), types.OCIUncompressedLayer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ref := layoutOf(t, layerImage(t, tc.blob, tc.mt, nil))
			if _, err := buildOn(t, ref); err == nil || !strings.Contains(err.Error(), "but the bytes are") {
				t.Errorf("build: %v, want the compression named", err)
			}
		})
	}
}
