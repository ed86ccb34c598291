package layer

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestImport checks that Import keeps a blob only when its digest, size,
// diffID and uncompressed size are all what was asked for, and leaves no
// file behind otherwise.
func TestImport(t *testing.T) {
	for _, c := range []Compression{Gzip, Zstd, None} {
		src := writeLayer(t, goldenTree(t), WithCompression(c, 0))
		blob, err := os.ReadFile(src.Path())
		must(t, err)
		other := writeLayer(t, goldenTree(t)[:2], WithCompression(c, 0))
		otherBlob, err := os.ReadFile(other.Path())
		must(t, err)
		bad := func(f func(*Info)) Info { i := src.Info(); f(&i); return i }
		for _, tc := range []struct {
			name string
			blob []byte
			want Info
			err  string // a regexp; "" for success
		}{
			{"same", blob, src.Info(), ""},
			{"swapped", otherBlob, bad(func(i *Info) { i.Size = other.Info().Size }), "hash to"},
			{"truncated", blob[:len(blob)-1], src.Info(), "bytes, want|decompress"},
			{"longer", append(bytes.Clone(blob), 0), src.Info(), "more than|decompress"},
			{"lying diffID", blob, bad(func(i *Info) { i.DiffID = other.Info().DiffID }), "not the diffID"},
			{"lying size", blob, bad(func(i *Info) { i.UncompressedSize++ }), "uncompressed bytes"},
		} {
			t.Run(string(c)+"/"+tc.name, func(t *testing.T) {
				dir := t.TempDir()
				w, err := NewWriter(dir, WithCompression(c, 0))
				must(t, err)
				l, err := w.Import(context.Background(), bytes.NewReader(tc.blob), tc.want)
				checkImport(t, dir, l, err, tc.err, tc.want)
			})
		}
	}
}

// checkImport checks one Import's outcome.
func checkImport(t *testing.T, dir string, l *Layer, err error, wantErr string, want Info) {
	t.Helper()
	files, _ := os.ReadDir(dir)
	if wantErr != "" {
		if err == nil || !regexp.MustCompile(wantErr).MatchString(err.Error()) {
			t.Fatalf("Import: err %v, want one containing %q", err, wantErr)
		}
		if len(files) != 0 {
			t.Errorf("a failed Import left %d files", len(files))
		}
		return
	}
	must(t, err)
	if l.Info() != want || l.Path() != dir+"/"+want.Digest.Hex+blobSuffix || len(files) != 1 {
		t.Errorf("Import = %+v at %s (%d files), want %+v", l.Info(), l.Path(), len(files), want)
	}
	var _ v1.Layer = l
}
