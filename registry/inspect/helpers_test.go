package inspect

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ent is one tar entry of a test layer: a name ending in / is a
// directory, one with a target a symlink, else a file holding data.
type ent struct {
	name, data, target string
	mode               int64
}

// tarLayer packs ents, in order, into a gzip layer.
func tarLayer(t *testing.T, ents ...ent) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Mode: e.mode, Typeflag: tar.TypeReg, Size: int64(len(e.data)),
			ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		switch {
		case e.target != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.target, 0
		case e.name[len(e.name)-1] == '/':
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		noErr(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.data))
		noErr(t, err)
	}
	noErr(t, tw.Close())
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	noErr(t, err)
	return l
}

// image stacks layers on an empty image with env.
func image(t *testing.T, env []string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	noErr(t, err)
	cf, err := img.ConfigFile()
	noErr(t, err)
	cf = cf.DeepCopy()
	cf.Config.Env, cf.OS, cf.Architecture = env, "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	noErr(t, err)
	return img
}

// unopenable is a layer whose bytes cannot be read: a test that must not
// open a layer fails if it does.
type unopenable struct{ v1.Layer }

func (unopenable) Compressed() (io.ReadCloser, error) {
	return nil, errors.New("this layer must not be opened")
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// swapLayers is an image whose layers' bytes are those of another image:
// what a forged layout or a lying registry serves.
type swapLayers struct {
	v1.Image
	by v1.Image
}

func (s swapLayers) LayerByDigest(v1.Hash) (v1.Layer, error) {
	ls, err := s.by.Layers()
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}
