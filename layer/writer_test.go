package layer

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goldenTree builds a fixed host tree and returns its planned entries.
func goldenTree(t *testing.T) []Entry {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bin", "tool"), "#!/bin/sh\necho hi\n", 0o700)
	write(t, filepath.Join(dir, "etc", "config"), strings.Repeat("key=value\n", 500), 0o600)
	write(t, filepath.Join(dir, "etc", strings.Repeat("日本", 40)), "long name", 0o644)
	must(t, os.Symlink("../etc/config", filepath.Join(dir, "bin", "config")))
	must(t, os.Link(filepath.Join(dir, "etc", "config"), filepath.Join(dir, "etc", "config.bak")))
	must(t, os.Mkdir(filepath.Join(dir, "var"), 0o700))
	entries, err := Collect(dir, "/opt/golden", CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	planned, err := Plan(entries)
	if err != nil {
		t.Fatal(err)
	}
	return planned
}

func writeLayer(t *testing.T, entries []Entry, opts ...Option) *Layer {
	t.Helper()
	w, err := NewWriter(t.TempDir(), append([]Option{WithEpoch(time.Unix(1700000000, 0))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	l, err := w.Write(context.Background(), entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestGoldenDigests pins known input to known digests for each compression,
// so a dependency bump (archive/tar, klauspost/compress) that changes bytes
// fails here instead of silently changing every image's digest.
func TestGoldenDigests(t *testing.T) {
	const diffID = "sha256:70b5ff1e11543ddd5745f91884a808d71581489b135631f4feca1dfeb601c1ba"
	for _, tc := range []struct {
		c      Compression
		digest string
	}{
		{Gzip, "sha256:14b51a643758a3f14d7a9ef81b19366f31165ed060088b809f63365bf3924ebb"},
		{Zstd, "sha256:5bf0be4ccd92b18e3bd7bb354903143cdfd39055ddbbce064b8bdc32199964de"},
		{None, diffID},
	} {
		t.Run(string(tc.c), func(t *testing.T) {
			l := writeLayer(t, goldenTree(t), WithCompression(tc.c, 0))
			if l.diffID.String() != diffID {
				t.Errorf("diffID = %s, want %s", l.diffID, diffID)
			}
			if l.digest.String() != tc.digest {
				t.Errorf("digest = %s, want %s", l.digest, tc.digest)
			}
			checkBlob(t, l)
		})
	}
}

// checkBlob re-reads a layer and checks its recorded digest, size and diffID.
func checkBlob(t *testing.T, l *Layer) {
	t.Helper()
	rc, err := l.Compressed()
	must(t, err)
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	must(t, err)
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.digest.String() || n != l.size {
		t.Errorf("blob has %s, %d bytes; layer says %s, %d bytes", got, n, l.digest, l.size)
	}
	u, err := l.Uncompressed()
	must(t, err)
	defer u.Close()
	h.Reset()
	n, err = io.Copy(h, u)
	must(t, err)
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.diffID.String() || n != l.uncompressedSize {
		t.Errorf("tar has %s, %d bytes; layer says %s, %d bytes", got, n, l.diffID, l.uncompressedSize)
	}
}

func TestHeadersAreNormalised(t *testing.T) {
	l := writeLayer(t, goldenTree(t), WithCompression(None, 0))
	f, err := os.Open(l.Path())
	must(t, err)
	defer f.Close()
	tr := tar.NewReader(f)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q, want 0:0 and no names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(time.Unix(1700000000, 0)) || !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: times %v/%v/%v, want only mtime = epoch", h.Name, h.ModTime, h.AccessTime, h.ChangeTime)
		}
		if len(h.Xattrs) > 0 || len(h.PAXRecords) > 0 && !strings.Contains(h.Name, "日本") {
			t.Errorf("%s: unexpected PAX records %v", h.Name, h.PAXRecords)
		}
		if want := wantMode(h); h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	want := []string{"opt/", "opt/golden/", "opt/golden/bin/", "opt/golden/bin/config", "opt/golden/bin/tool",
		"opt/golden/etc/", "opt/golden/etc/config", "opt/golden/etc/config.bak",
		"opt/golden/etc/" + strings.Repeat("日本", 40), "opt/golden/var/"}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
}

func wantMode(h *tar.Header) int64 {
	switch {
	case h.Typeflag == tar.TypeDir:
		return 0o755
	case h.Typeflag == tar.TypeSymlink:
		return 0o777
	case strings.HasSuffix(h.Name, "/tool"):
		return 0o755
	}
	return 0o644
}

func TestWriteCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir)
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Write(ctx, goldenTree(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write error = %v, want context.Canceled", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("cancelled Write left %v", left)
	}
}

func TestWriteDetectsChangedFile(t *testing.T) {
	entries := goldenTree(t)
	for i := range entries {
		if entries[i].Kind == File {
			entries[i].Size += 5 // as if the file shrank after Collect
			break
		}
	}
	w, err := NewWriter(t.TempDir())
	must(t, err)
	if _, err := w.Write(context.Background(), entries); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Fatalf("Write error = %v, want a shrank-while-packing error", err)
	}
}

// TestWriterMatchesReference checks that the writer's pipelined stream gives
// the digests of a plain sequential tar → compressor pass that writes each
// file in one call, over a tree spanning many pipe blocks and compressor
// windows: neither the pipe nor write sizes may change a digest.
func TestWriterMatchesReference(t *testing.T) {
	dir := t.TempDir()
	must(t, genTree(dir, treeLayout{{1, 3 << 20}, {6, 1 << 20}, {300, 8 << 10}}))
	entries, err := Collect(dir, "/data", CollectOptions{})
	must(t, err)
	entries, err = Plan(entries)
	must(t, err)
	for _, c := range benchCompressions {
		t.Run(string(c), func(t *testing.T) {
			l := writeLayer(t, entries, WithCompression(c, 0))
			diffID, digest := referenceDigests(t, entries, c, time.Unix(1700000000, 0))
			if l.diffID.Hex != diffID || l.digest.Hex != digest {
				t.Errorf("writer gave diffID %s digest %s; reference %s %s", l.diffID.Hex, l.digest.Hex, diffID, digest)
			}
		})
	}
}
