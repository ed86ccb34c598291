package layer

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// keyEntries is one entry of every kind, a host file among them.
func keyEntries(t *testing.T, src string) []Entry {
	t.Helper()
	info, err := os.Lstat(src)
	must(t, err)
	host := Entry{Kind: File, Path: "/app/host", Source: src, Size: info.Size(), stamp: stampOf(info)}
	return []Entry{
		{Kind: Dir, Path: "/app"},
		host,
		FileData("/app/data", []byte("data bytes"), 0o644),
		{Kind: Symlink, Path: "/app/link", Target: "host"},
		{Kind: Hardlink, Path: "/app/zhard", Target: "/app/host"},
	}
}

// mutate changes field f of e to another valid-looking value; other is a
// host file of the same size as e's source with other content.
func mutate(t *testing.T, e *Entry, f reflect.StructField, other string) {
	t.Helper()
	v := reflect.ValueOf(e).Elem().FieldByIndex(f.Index)
	switch {
	case f.Name == "Source":
		v.SetString(other)
		info, err := os.Lstat(other)
		must(t, err)
		e.stamp = stampOf(info) // as Collect would have listed it
	case f.Type == reflect.TypeOf(Kind(0)):
		v.SetInt((v.Int() + 1) % 4)
	case f.Type == reflect.TypeOf(fs.FileMode(0)):
		v.SetUint(v.Uint() ^ 0o111)
	case f.Type.Kind() == reflect.String:
		v.SetString(v.String() + "x")
	case f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Int64:
		v.SetInt(v.Int() + 1)
	case f.Type.Kind() == reflect.Bool:
		v.SetBool(!v.Bool())
	case f.Type == reflect.TypeOf([]byte(nil)):
		b := append([]byte("other "), v.Bytes()...)
		v.SetBytes(b[:len(v.Bytes())])
	default:
		t.Fatalf("Entry.%s (%s) has no mutation in this test: add one, and make sure Key covers it if it reaches the layer's bytes", f.Name, f.Type)
	}
}

// TestKeyCoversEveryByte changes each exported field of each entry in turn
// and writes the layer: whenever the bytes differ, the key must differ.
// A field added to Entry that reaches the layer but not the key fails here.
func TestKeyCoversEveryByte(t *testing.T) {
	dir := t.TempDir()
	src, other := filepath.Join(dir, "src"), filepath.Join(dir, "other")
	write(t, src, "host content", 0o644)
	write(t, other, "other stuff!", 0o755)
	epoch := time.Unix(1700000000, 0)
	base := keyEntries(t, src)
	baseKey, baseBytes := keyAndBytes(t, base, WithEpoch(epoch))
	checked := 0
	for i := range base {
		for _, f := range reflect.VisibleFields(reflect.TypeOf(Entry{})) {
			if !f.IsExported() {
				continue
			}
			changed := append([]Entry(nil), base...)
			mutate(t, &changed[i], f, other)
			key, b, ok := tryKeyAndBytes(t, changed, WithEpoch(epoch))
			if !ok {
				continue // not a writable entry list: nothing to compare
			}
			checked++
			if !bytes.Equal(b, baseBytes) && key == baseKey {
				t.Errorf("entry %d field %s changes the layer's bytes but not its key", i, f.Name)
			}
		}
	}
	for _, opt := range []Option{WithEpoch(epoch.Add(time.Second)), WithCompression(Zstd, 0), WithCompression(Gzip, 9)} {
		if key, _ := keyAndBytes(t, base, WithEpoch(epoch), opt); key == baseKey {
			t.Errorf("a writer option that changes the bytes left the key as it was")
		}
	}
	if checked < 20 {
		t.Errorf("only %d variants could be written; the test checks too little", checked)
	}
}

func keyAndBytes(t *testing.T, entries []Entry, opts ...Option) (string, []byte) {
	t.Helper()
	key, b, ok := tryKeyAndBytes(t, entries, opts...)
	if !ok {
		t.Fatal("the base entry list could not be keyed and written")
	}
	return key, b
}

// tryKeyAndBytes keys and writes entries, reporting false when either fails.
func tryKeyAndBytes(t *testing.T, entries []Entry, opts ...Option) (string, []byte, bool) {
	t.Helper()
	w, err := NewWriter(t.TempDir(), opts...)
	must(t, err)
	key, err := w.Key(entries, NewSums())
	if err != nil {
		return "", nil, false
	}
	l, err := w.Write(context.Background(), entries)
	if err != nil {
		return "", nil, false
	}
	b, err := os.ReadFile(l.Path())
	must(t, err)
	return key, b, true
}
