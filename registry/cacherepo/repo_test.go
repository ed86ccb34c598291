package cacherepo

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/registry"
)

// fixture is an in-process registry, a Repo on it and its warnings.
type fixture struct {
	srv  *httptest.Server
	repo *Repo
	log  *bytes.Buffer
}

// newFixture serves ggcr's registry through wrap (nil: unwrapped).
func newFixture(t *testing.T, wrap func(http.Handler) http.Handler) *fixture {
	t.Helper()
	var h http.Handler = ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	client, err := registry.NewClient(registry.WithInsecureRegistries(host), registry.WithRetries(0))
	must(t, err)
	var buf bytes.Buffer
	repo, err := New(client, host+"/team/app-cache", slog.New(slog.NewTextHandler(&buf, nil)))
	must(t, err)
	return &fixture{srv: srv, repo: repo, log: &buf}
}

// packed writes a small layer into a new writer's directory and returns
// it with its cache key.
func packed(t *testing.T, content string) (*layer.Layer, string) {
	t.Helper()
	w, err := layer.NewWriter(t.TempDir())
	must(t, err)
	entries := []layer.Entry{layer.FileData("/etc/app.conf", []byte(content), 0o644)}
	l, err := w.Write(context.Background(), entries)
	must(t, err)
	key, err := w.Key(entries, nil)
	must(t, err)
	return l, key
}

// TestPublishThenGet checks the round trip: a layer published by one
// runner comes back to another, byte for byte, and an unknown key is a
// quiet miss.
func TestPublishThenGet(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	l, key := packed(t, "shared")
	f.repo.Publish(ctx, map[string]*layer.Layer{key: l})
	w, dir := newWriter(t)
	got, ok := f.repo.Get(ctx, key, w)
	if !ok {
		t.Fatalf("Get after Publish missed; log:\n%s", f.log)
	}
	if got.Info() != l.Info() || !sameFile(t, got.Path(), l.Path()) || !strings.HasPrefix(got.Path(), dir) {
		t.Errorf("Get = %+v at %s, want %+v", got.Info(), got.Path(), l.Info())
	}
	_, other := packed(t, "unpublished")
	f.log.Reset()
	if _, ok := f.repo.Get(ctx, other, w); ok || f.log.Len() != 0 {
		t.Errorf("Get of an unknown key: ok=%v, log %q; want a quiet miss", ok, f.log)
	}
	checkEntryManifest(t, f, key, l)
}

// checkEntryManifest checks the documented scheme: the tag's manifest is
// an artifact with the empty config, the blob, and the annotations.
func checkEntryManifest(t *testing.T, f *fixture, key string, l *layer.Layer) {
	t.Helper()
	a, err := f.repo.client.Pull(context.Background(), f.repo.Tag(key))
	must(t, err)
	raw, err := a.RawManifest()
	must(t, err)
	var m v1.Manifest
	must(t, json.Unmarshal(raw, &m))
	info := l.Info()
	if m.ArtifactType != ArtifactType || m.Config.MediaType != "application/vnd.oci.empty.v1+json" || m.Config.Size != 2 ||
		len(m.Layers) != 1 || m.Layers[0].Digest != info.Digest || m.Annotations[annotationDiffID] != info.DiffID.String() {
		t.Errorf("entry manifest %s does not follow the scheme", raw)
	}
}

// TestSwappedBlob checks that a registry serving other bytes for the
// entry's blob costs one warning and a miss, and leaves nothing behind.
func TestSwappedBlob(t *testing.T) {
	decoy, _ := packed(t, "decoy")
	decoyBytes, err := os.ReadFile(decoy.Path())
	must(t, err)
	f := newFixture(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
				w.Write(decoyBytes) // the wrong layer, whatever was asked
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	l, key := packed(t, "shared")
	f.repo.Publish(ctx, map[string]*layer.Layer{key: l})
	w, dir := newWriter(t)
	if got, ok := f.repo.Get(ctx, key, w); ok {
		t.Fatalf("Get of a swapped blob = %+v, want a miss", got.Info())
	}
	if n := strings.Count(f.log.String(), "level=WARN"); n != 1 || !strings.Contains(f.log.String(), "bad entry") {
		t.Errorf("want one bad-entry warning, got %d:\n%s", n, f.log)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("a refused blob left %d files", len(files))
	}
}

// TestLyingAnnotation checks that an entry whose annotations lie about
// the tar stream (the blob is right, its diffID is not) is refused: the
// diffID is measured while the blob is pulled, since a wrong one would make
// a wrong image config.
func TestLyingAnnotation(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	l, key := packed(t, "shared")
	other, _ := packed(t, "other")
	img, err := newEntry(key, l)
	must(t, err)
	raw, err := img.RawManifest()
	must(t, err)
	od, _ := other.DiffID()
	ld, _ := l.DiffID()
	raw = bytes.ReplaceAll(raw, []byte(ld.String()), []byte(od.String()))
	lying, err := partial.CompressedToImage(&entry{raw: raw, l: l})
	must(t, err)
	_, err = f.repo.client.Push(ctx, lying, []string{f.repo.Tag(key)})
	must(t, err)
	w, _ := newWriter(t)
	if _, ok := f.repo.Get(ctx, key, w); ok {
		t.Fatal("Get of an entry with a lying diffID hit")
	}
	if !strings.Contains(f.log.String(), "not the diffID") {
		t.Errorf("want a warning naming the diffID, got:\n%s", f.log)
	}
}

// TestUnreachable checks that a cache repository that cannot be reached
// is one warning for the whole build, and then not asked again.
func TestUnreachable(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.Close()
	ctx := context.Background()
	l, key := packed(t, "shared")
	w, _ := newWriter(t)
	for range 3 {
		if _, ok := f.repo.Get(ctx, key, w); ok {
			t.Fatal("Get from a closed registry hit")
		}
	}
	f.repo.Publish(ctx, map[string]*layer.Layer{key: l})
	if n := strings.Count(f.log.String(), "level=WARN"); n != 1 {
		t.Errorf("want one warning, got %d:\n%s", n, f.log)
	}
}

func newWriter(t *testing.T) (*layer.Writer, string) {
	t.Helper()
	dir := t.TempDir()
	w, err := layer.NewWriter(dir)
	must(t, err)
	return w, dir
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	must(t, err)
	y, err := os.ReadFile(b)
	must(t, err)
	return bytes.Equal(x, y)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
