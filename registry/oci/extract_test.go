package oci

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sparseMember is a PAX 1.0 sparse file, written byte by byte (archive/tar
// refuses to): a few hundred bytes that archive/tar expands to realsize
// zero bytes.
func sparseMember(name string, realsize int64) []byte {
	header := func(name string, typ byte, size int) []byte {
		b := make([]byte, 512)
		copy(b, name)
		copy(b[100:], "0000644\x000000000\x000000000\x00")
		copy(b[124:], fmt.Sprintf("%011o\x00%011o\x00", size, 0))
		b[156] = typ
		copy(b[257:], "ustar\x0000")
		copy(b[148:], "        ")
		sum := 0
		for _, c := range b {
			sum += int(c)
		}
		copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
		return b
	}
	pad := func(b []byte) []byte { return append(b, make([]byte, (512-len(b)%512)%512)...) }
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
	out := append(header("PaxHeaders/sparse", 'x', len(pax)), pad(pax)...)
	out = append(out, header("GNUSparseFile.0/sparse", '0', 512)...)
	return append(out, pad([]byte("0\n"))...)
}

// tarOfDir is a tar of dir's regular files, then extra raw bytes, then
// the end-of-archive blocks.
func tarOfDir(t *testing.T, dir string, extra []byte) []byte {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[rel] = string(b)
		}
		return err
	})
	path := filepath.Join(t.TempDir(), "a.tar")
	writeTar(t, path, files)
	raw, _ := os.ReadFile(path)
	raw = raw[:len(raw)-1024] // the end-of-archive blocks
	raw = append(raw, extra...)
	return append(raw, make([]byte, 1024)...)
}

// TestOCIArchiveRefusesSparse: a sparse member is refused, not expanded
// into the work directory (issue 13, case 6: 20 KiB became gigabytes).
func TestOCIArchiveRefusesSparse(t *testing.T) {
	dir := t.TempDir()
	handLayout(t, dir, []byte(honestConfig))
	path := filepath.Join(t.TempDir(), "sparse.oci.tar")
	writeFile(t, path, tarOfDir(t, dir, sparseMember("blobs/sha256/"+strings.Repeat("ab", 32), 64<<20)))
	work := t.TempDir()
	_, err := OpenOCIArchive(context.Background(), path, "", work)
	wantErr(t, err, "sparse")
	if n := treeSize(work); n > 64<<10 {
		t.Errorf("extraction wrote %d bytes", n)
	}
}

// TestOCIArchiveExtractsNamedBlobsOnly: entries that index.json does not
// name, directly or through a manifest, are not written.
func TestOCIArchiveExtractsNamedBlobsOnly(t *testing.T) {
	dir := t.TempDir()
	handLayout(t, dir, []byte(honestConfig))
	stray := putRawBlob(t, dir, bytes.Repeat([]byte("x"), 1<<20), "application/octet-stream")
	writeFile(t, filepath.Join(dir, "junk"), bytes.Repeat([]byte("y"), 1<<20))
	path := filepath.Join(t.TempDir(), "a.oci.tar")
	writeFile(t, path, tarOfDir(t, dir, nil))
	work := t.TempDir()
	a, err := OpenOCIArchive(context.Background(), path, "", work)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.(interface{ RawConfigFile() ([]byte, error) }).RawConfigFile(); err != nil {
		t.Fatal(err)
	}
	if n := treeSize(work); n > 64<<10 {
		t.Errorf("extraction wrote %d bytes: the stray blob %s or junk, which nothing names", n, stray.Digest)
	}
}

// treeSize is the bytes of the regular files under dir.
func treeSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			fi, _ := d.Info()
			n += fi.Size()
		}
		return err
	})
	return n
}

// TestDockerArchiveIsBounded: a docker-archive with a sparse member, a
// manifest.json over MaxIndexSize or a config over MaxConfigSize is
// refused before ggcr reads it whole (issue 13, cases 6 and 7).
func TestDockerArchiveIsBounded(t *testing.T) {
	manifest := `[{"Config":"c.json","RepoTags":[],"Layers":[]}]`
	for _, tc := range []struct {
		name  string
		files map[string]string
		extra []byte
		want  string
	}{
		{"sparse member", map[string]string{"manifest.json": manifest, "c.json": "{}"}, sparseMember("l.tar", 64<<20), "sparse"},
		{"manifest.json too big", map[string]string{"manifest.json": manifest + strings.Repeat(" ", MaxIndexSize)}, nil, "manifest.json holds"},
		{"config too big", map[string]string{"manifest.json": manifest, "c.json": "{}" + strings.Repeat(" ", MaxConfigSize)}, nil, "config c.json holds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				writeFile(t, filepath.Join(dir, name), []byte(data))
			}
			path := filepath.Join(t.TempDir(), "d.tar")
			writeFile(t, path, tarOfDir(t, dir, tc.extra))
			_, err := OpenDockerArchive(path)
			wantErr(t, err, tc.want)
		})
	}
}
