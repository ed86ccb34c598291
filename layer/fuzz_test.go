package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// FuzzReadTree feeds arbitrary bytes to ReadTree as a base layer whose
// digest, size and diffID match them (so the tar reader sees every byte),
// and to EachHeader directly. The property (issue 13, done-when 2): no
// panic, no hang, an error is an error.
func FuzzReadTree(f *testing.F) {
	for _, seed := range fuzzTreeSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = EachHeader(bytes.NewReader(data), func(*tar.Header, io.Reader) error { return nil })
		tree, err := ReadTree([]BaseLayer{fuzzLayer(data)}, "/etc/passwd")
		if err == nil {
			_ = tree.Paths()
			_, _ = tree.Resolve("/etc/passwd")
		}
	})
}

// fuzzLayer describes data truthfully, with the media type its first
// bytes name, so the verifier passes it on to the tar reader.
func fuzzLayer(data []byte) BaseLayer {
	h, _, _ := v1.SHA256(bytes.NewReader(data))
	mt, diffID := types.OCIUncompressedLayer, h
	switch sniffCompression(data) {
	case Gzip:
		mt, diffID = types.OCILayer, v1.Hash{Algorithm: "sha256", Hex: h.Hex}
	case Zstd:
		mt, diffID = types.OCILayerZStd, v1.Hash{Algorithm: "sha256", Hex: h.Hex}
	}
	return BaseLayer{Digest: h, Size: int64(len(data)), MediaType: mt, DiffID: diffID,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// fuzzTreeSeeds are small layers of the kinds real bases hold: files,
// links, whiteouts, an opaque directory, PAX names, and a gzip stream.
func fuzzTreeSeeds(f *testing.F) [][]byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: 5},
		{Name: "bin", Typeflag: tar.TypeSymlink, Linkname: "usr/bin"},
		{Name: "usr/bin/sh", Typeflag: tar.TypeLink, Linkname: "etc/passwd"},
		{Name: "var/.wh..wh..opq", Typeflag: tar.TypeReg},
		{Name: "etc/.wh.passwd", Typeflag: tar.TypeReg},
		{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3},
		{Name: "long/" + string(bytes.Repeat([]byte("x"), 200)), Typeflag: tar.TypeReg, Format: tar.FormatPAX},
	} {
		if err := tw.WriteHeader(h); err != nil {
			f.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte("root\n"))
		}
	}
	tw.Close()
	plain := bytes.Clone(buf.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	return [][]byte{plain, gz.Bytes(), {}, make([]byte, 1024)}
}
