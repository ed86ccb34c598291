package cache

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lading-dev/lading/layer"
)

// putLayer writes a one-file layer into c and stores it under its key.
func putLayer(t *testing.T, c *Cache, content string) (string, *layer.Layer) {
	t.Helper()
	w, err := layer.NewWriter(c.BlobDir())
	noErr(t, err)
	entries := []layer.Entry{layer.FileData("/f", []byte(content), 0o644)}
	key, err := w.Key(entries, c.Sums())
	noErr(t, err)
	l, err := w.Write(context.Background(), entries)
	noErr(t, err)
	noErr(t, c.Put(key, l))
	return key, l
}

func TestGetPut(t *testing.T) {
	c, err := Open(t.TempDir(), nil)
	noErr(t, err)
	key, l := putLayer(t, c, "hello")
	got, ok := c.Get(key)
	if !ok || got.Info() != l.Info() || got.Path() != l.Path() {
		t.Fatalf("Get = %+v, %v; want %+v", got, ok, l.Info())
	}
	if _, ok := c.Get(strings.Repeat("0", 64)); ok {
		t.Fatal("Get of an unknown key hit")
	}
}

// TestCorruptEntriesAreDiscarded: a truncated, deleted or replaced blob
// and a damaged key file are misses with a warning, never a layer.
func TestCorruptEntriesAreDiscarded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(entry, blob string) error
	}{
		{"truncated blob", func(_, blob string) error { return os.Truncate(blob, 3) }},
		{"deleted blob", func(_, blob string) error { return os.Remove(blob) }},
		{"replaced blob", func(_, blob string) error {
			b, _ := os.ReadFile(blob)
			b[len(b)/2] ^= 0xff
			return os.WriteFile(blob, b, 0o644)
		}},
		{"damaged key file", func(entry, _ string) error { return os.WriteFile(entry, []byte(`{"digest":`), 0o644) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			c, err := Open(t.TempDir(), slog.New(slog.NewTextHandler(&logs, nil)))
			noErr(t, err)
			key, l := putLayer(t, c, "some layer content")
			noErr(t, tc.corrupt(c.entryPath(key), l.Path()))
			if got, ok := c.Get(key); ok {
				t.Fatalf("Get of a corrupt entry returned %+v", got.Info())
			}
			if !strings.Contains(logs.String(), "corrupt layer cache entry") {
				t.Errorf("no warning logged:\n%s", logs.String())
			}
			if _, err := os.Stat(c.entryPath(key)); !os.IsNotExist(err) {
				t.Errorf("the corrupt entry is still there")
			}
		})
	}
}

func TestPruneAndStats(t *testing.T) {
	c, err := Open(t.TempDir(), nil)
	noErr(t, err)
	old, _ := putLayer(t, c, "old layer")
	recent, _ := putLayer(t, c, "recent layer")
	past := time.Now().Add(-48 * time.Hour)
	noErr(t, os.Chtimes(c.entryPath(old), past, past))
	s, err := c.Stats()
	noErr(t, err)
	if s.Layers != 2 || s.Bytes == 0 {
		t.Fatalf("Stats = %+v, want 2 layers", s)
	}
	freed, err := c.Prune(-1, 24*time.Hour)
	noErr(t, err)
	if _, ok := c.Get(old); ok || freed == 0 {
		t.Errorf("Prune --older-than 24h kept the 48h-old entry (freed %d)", freed)
	}
	if _, ok := c.Get(recent); !ok {
		t.Errorf("Prune --older-than 24h removed a recent entry")
	}
	if _, err := c.Prune(0, 0); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Stats(); s.Layers != 0 {
		t.Errorf("Prune --keep-bytes 0 left %d entries", s.Layers)
	}
}

// TestSumsPersist: the file digests learnt in one build are known to the
// next, through Close and Open.
func TestSumsPersist(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "file")
	noErr(t, os.WriteFile(f, []byte("x"), 0o644))
	time.Sleep(2100 * time.Millisecond) // past the racy window: the digest is kept
	c, err := Open(filepath.Join(dir, "cache"), nil)
	noErr(t, err)
	if _, err := c.Sums().Digest(f); err != nil {
		t.Fatal(err)
	}
	n := c.Sums().Len()
	if n != 1 {
		t.Fatalf("the digest of a file last changed 2 s ago was not remembered (%d known)", n)
	}
	c.Close()
	c2, err := Open(filepath.Join(dir, "cache"), nil)
	noErr(t, err)
	if c2.Sums().Len() != n {
		t.Errorf("reopened cache knows %d digests, want %d", c2.Sums().Len(), n)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
