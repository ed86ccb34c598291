package builder

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// partialBase writes usrMergedBase for amd64 and arm64, removes the arm64
// manifest blob as a one-platform export does, packs the layout as an
// oci-archive, and returns the archive and the removed digest.
func partialBase(t *testing.T) (string, v1.Hash) {
	t.Helper()
	dir := usrMergedBase(t, amd64, arm64)
	a, err := oci.OpenLayout(dir, "")
	noErr(t, err)
	im, err := a.(v1.ImageIndex).IndexManifest()
	noErr(t, err)
	var gone v1.Hash
	for _, m := range im.Manifests {
		if m.Platform.Architecture == "arm64" {
			gone = m.Digest
		}
	}
	noErr(t, os.Remove(filepath.Join(dir, "blobs", "sha256", gone.Hex)))
	archive := filepath.Join(t.TempDir(), "base.oci.tar")
	tarDir(t, dir, archive)
	return archive, gone
}

// tarDir packs dir's regular files into a tar at path.
func tarDir(t *testing.T, dir, path string) {
	t.Helper()
	f, err := os.Create(path)
	noErr(t, err)
	tw := tar.NewWriter(f)
	noErr(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		noErr(t, err)
		rel, _ := filepath.Rel(dir, p)
		noErr(t, tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, err = tw.Write(data)
		return err
	}))
	noErr(t, tw.Close())
	noErr(t, f.Close())
}

// TestBaseWithMissingPlatformBlob: a base index that lists a platform whose
// blob is missing fails for that platform with the platform and digest
// named, not a temporary path, and works for a platform it holds (issue 9).
func TestBaseWithMissingPlatformBlob(t *testing.T) {
	archive, gone := partialBase(t)
	req := request(t, "oci-archive:"+archive, arm64)
	_, err := Build(context.Background(), req)
	if err == nil {
		t.Fatal("build for the missing platform succeeded")
	}
	for _, want := range []string{"linux/arm64", gone.String(), "linux/amd64"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), req.WorkDir) {
		t.Errorf("error %q names the temporary work directory", err)
	}
	_, err = Build(context.Background(), request(t, "oci-archive:"+archive, amd64))
	noErr(t, err)
}
