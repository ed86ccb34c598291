package builder

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/layer"
)

// TestDockerArchiveLayersAreGzip: with zstd compression, the docker-archive
// holds gzip layers (lading's and the base's), deterministically, while the
// layout keeps zstd; its result names the image ID, the config digest, in
// the line and in the metadata (issue 9).
func TestDockerArchiveLayersAreGzip(t *testing.T) {
	baseReq := request(t, BaseScratch, amd64)
	baseReq.Compression = layer.Zstd
	_, err := Build(context.Background(), baseReq)
	noErr(t, err)
	var sums []string
	for range 2 {
		req := request(t, "oci-layout:"+baseReq.Outputs[0].Path, amd64)
		req.Compression = layer.Zstd
		archive := filepath.Join(t.TempDir(), "app.docker.tar")
		req.Outputs = append(req.Outputs, Output{Kind: DockerArchive, Path: archive})
		res, err := Build(context.Background(), req)
		noErr(t, err)
		for _, l := range res.Manifests[0].Layers {
			if l.MediaType != types.OCILayerZStd {
				t.Errorf("the layout's layer %s is %s, want zstd kept", l.Digest, l.MediaType)
			}
		}
		config := checkDockerArchive(t, archive, 2)
		if w := res.Outputs[1]; w.Digest.String() != config || w.ImageID.String() != config {
			t.Errorf("docker-archive result %s (image ID %s), want the config digest %s", w.Digest, w.ImageID, config)
		}
		raw, err := os.ReadFile(archive)
		noErr(t, err)
		sum := sha256.Sum256(raw)
		sums = append(sums, hex.EncodeToString(sum[:]))
	}
	if sums[0] != sums[1] {
		t.Errorf("two builds wrote different docker-archives: %v", sums)
	}
}

// checkDockerArchive checks that every layer manifest.json names is gzip
// whose content hashes to the config's diffID, and returns the config's
// digest.
func checkDockerArchive(t *testing.T, path string, layers int) string {
	t.Helper()
	files := map[string][]byte{}
	f, err := os.Open(path)
	noErr(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	for h, err := tr.Next(); err != io.EOF; h, err = tr.Next() {
		noErr(t, err)
		files[h.Name], err = io.ReadAll(tr)
		noErr(t, err)
	}
	var m []struct {
		Config string
		Layers []string
	}
	noErr(t, json.Unmarshal(files["manifest.json"], &m))
	var cf v1.ConfigFile
	noErr(t, json.Unmarshal(files[m[0].Config], &cf))
	if len(m[0].Layers) != layers || len(cf.RootFS.DiffIDs) != layers {
		t.Fatalf("manifest.json names %d layers, config %d; want %d", len(m[0].Layers), len(cf.RootFS.DiffIDs), layers)
	}
	for i, name := range m[0].Layers {
		zr, err := gzip.NewReader(bytes.NewReader(files[name]))
		if err != nil {
			t.Errorf("layer %s is not gzip: %v", name, err)
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, zr)
		noErr(t, err)
		if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != cf.RootFS.DiffIDs[i].String() {
			t.Errorf("layer %s unpacks to %s, want diffID %s", name, got, cf.RootFS.DiffIDs[i])
		}
	}
	sum := sha256.Sum256(files[m[0].Config])
	return "sha256:" + hex.EncodeToString(sum[:])
}
