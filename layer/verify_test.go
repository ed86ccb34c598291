package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"
)

// tarOf is a tar holding one regular file per name, content its name.
func tarOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		must(t, tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(n))}))
		_, err := io.WriteString(tw, n)
		must(t, err)
	}
	must(t, tw.Close())
	return buf.Bytes()
}

func gzipOf(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	must(t, err)
	must(t, zw.Close())
	return buf.Bytes()
}

func zstdOf(t *testing.T, b []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	must(t, err)
	return zw.EncodeAll(b, nil)
}

func sha(b []byte) v1.Hash {
	d := NewDigester()
	d.Write(b)
	return d.Digest()
}

// baseLayer describes blob as a manifest that tells the truth would.
func baseLayer(blob, raw []byte, mt types.MediaType) BaseLayer {
	return BaseLayer{Digest: sha(blob), Size: int64(len(blob)), MediaType: mt, DiffID: sha(raw),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(blob)), nil }}
}

// TestReadTreeVerifiesLayers: a layer whose bytes are not the ones its
// descriptor and config name yields no tree (issue 13, cases 1, 3, 5).
func TestReadTreeVerifiesLayers(t *testing.T) {
	honest := tarOf(t, "usr/local/bin/app")
	forged := tarOf(t, "poisoned/app")
	gz := gzipOf(t, honest)
	swapped := baseLayer(gz, honest, types.OCILayer)
	swapped.Open = baseLayer(gzipOf(t, forged), forged, types.OCILayer).Open
	trailing := baseLayer(gz, honest, types.OCILayer)
	trailing.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(append(gz, 0))), nil }
	short := baseLayer(gz, honest, types.OCILayer)
	short.Size--
	wrongDiffID := baseLayer(gz, honest, types.OCILayer)
	wrongDiffID.DiffID = sha(forged)
	for _, tc := range []struct {
		name string
		l    BaseLayer
		want string
	}{
		{"another layer's bytes", swapped, "the manifest says"},
		{"a byte after the layer", trailing, "the manifest says"},
		{"a size one short", short, "the manifest says"},
		{"diffID of another layer", wrongDiffID, "rootfs.diff_ids"},
		{"gzip media type on plain tar", baseLayer(honest, honest, types.OCILayer), "the bytes are none"},
		{"gzip media type on zstd", baseLayer(zstdOf(t, honest), honest, types.DockerLayer), "the bytes are zstd"},
		{"zstd media type on gzip", baseLayer(gz, honest, types.OCILayerZStd), "the bytes are gzip"},
		{"tar media type on gzip", baseLayer(gz, honest, types.OCIUncompressedLayer), "the bytes are gzip"},
		{"not a layer media type", baseLayer(gz, honest, types.OCIConfigJSON), "not a tar layer's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTree([]BaseLayer{tc.l})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadTree = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// TestReadTreeReadsHonestLayers: every compression a media type can
// declare reads, when it tells the truth.
func TestReadTreeReadsHonestLayers(t *testing.T) {
	raw := tarOf(t, "etc/passwd", "usr/local/bin/app")
	for _, l := range []BaseLayer{
		baseLayer(gzipOf(t, raw), raw, types.OCILayer),
		baseLayer(gzipOf(t, raw), raw, types.DockerLayer),
		baseLayer(zstdOf(t, raw), raw, types.OCILayerZStd),
		baseLayer(raw, raw, types.OCIUncompressedLayer),
	} {
		tree, err := ReadTree([]BaseLayer{l}, "/etc/passwd")
		if err != nil {
			t.Fatalf("%s: %v", l.MediaType, err)
		}
		if n, ok := tree.Node("/etc/passwd"); !ok || string(n.Data) != "etc/passwd" {
			t.Errorf("%s: /etc/passwd = %+v", l.MediaType, n)
		}
	}
}

// rawHeader is a ustar header block written byte by byte, for members
// archive/tar refuses to write (PAX headers with GNU.sparse records).
func rawHeader(name string, typ byte, size int) []byte {
	b := make([]byte, 512)
	copy(b, name)
	copy(b[100:], "0000644\x00")
	copy(b[108:], "0000000\x00")
	copy(b[116:], "0000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00", size))
	copy(b[136:], fmt.Sprintf("%011o\x00", 0))
	b[156] = typ
	copy(b[257:], "ustar\x0000")
	if typ == tar.TypeGNUSparse { // GNU format, no sparse map, 1 GiB of holes
		copy(b[257:], "ustar  \x00")
		copy(b[483:], fmt.Sprintf("%011o\x00", 1<<30))
	}
	copy(b[148:], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

// padded is b padded with zeros to whole 512-byte blocks.
func padded(b []byte) []byte {
	return append(b, make([]byte, (512-len(b)%512)%512)...)
}

// sparseMember is a PAX 1.0 sparse file: a few hundred bytes that
// archive/tar expands to realsize zero bytes.
func sparseMember(name string, realsize int64) []byte {
	var pax []byte
	for _, kv := range [][2]string{{"GNU.sparse.major", "1"}, {"GNU.sparse.minor", "0"},
		{"GNU.sparse.name", name}, {"GNU.sparse.realsize", fmt.Sprint(realsize)}} {
		rec := " " + kv[0] + "=" + kv[1] + "\n"
		n := len(rec) + 1
		for len(fmt.Sprint(n))+len(rec) != n {
			n++
		}
		pax = append(pax, fmt.Sprintf("%d%s", n, rec)...)
	}
	out := append(rawHeader("PaxHeaders/sparse", 'x', len(pax)), padded(pax)...)
	out = append(out, rawHeader("GNUSparseFile.0/sparse", '0', 512)...)
	return append(out, padded([]byte("0\n"))...)
}

// TestEachHeaderRefusesSparse: sparse members are refused, not expanded
// (issue 13, case 6: a 20 KiB archive became gigabytes).
func TestEachHeaderRefusesSparse(t *testing.T) {
	pax := append(sparseMember("big", 8<<30), make([]byte, 1024)...)
	gnu := append(rawHeader("big", tar.TypeGNUSparse, 0), make([]byte, 1024)...)
	for name, b := range map[string][]byte{"PAX GNU.sparse": pax, "GNU type S": gnu} {
		err := EachHeader(bytes.NewReader(b), func(h *tar.Header, r io.Reader) error {
			_, err := io.Copy(io.Discard, io.LimitReader(r, 1<<20))
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "sparse") {
			t.Errorf("%s: EachHeader = %v, want a sparse file refused", name, err)
		}
	}
}
