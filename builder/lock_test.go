package builder

import (
	"bytes"
	"context"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/lading-dev/lading/registry/oci"
)

// remoteFetcher is the simplest registry Fetcher: ggcr's remote.Get.
type remoteFetcher struct{}

func (remoteFetcher) Pull(ctx context.Context, ref string) (oci.Artifact, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(r, remote.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if desc.MediaType.IsIndex() {
		return desc.ImageIndex()
	}
	return desc.Image()
}

// pushBase pushes a two-platform base (from usrMergedBase) to ref.
func pushBase(t *testing.T, ref string, platforms ...v1.Platform) v1.Hash {
	t.Helper()
	a, err := oci.OpenLayout(usrMergedBase(t, platforms...), "base")
	noErr(t, err)
	r, err := name.ParseReference(ref)
	noErr(t, err)
	noErr(t, remote.WriteIndex(r, a.(v1.ImageIndex)))
	d, _ := a.Digest()
	return d
}

func TestLockPinsAndWorksOffline(t *testing.T) {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ctx := context.Background()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/base:v1"
	first := pushBase(t, ref, amd64, arm64)

	entry, err := Pin(ctx, remoteFetcher{}, ref)
	noErr(t, err)
	if entry.Digest != first || len(entry.Platforms) != 2 {
		t.Fatalf("lock entry = %+v, want %s with two platforms", entry, first)
	}
	lock := &Lock{Version: 1, Bases: map[string]LockEntry{ref: entry}}
	lockPath := filepath.Join(t.TempDir(), LockFile)
	noErr(t, lock.Write(lockPath))
	lock, err = ReadLock(lockPath)
	noErr(t, err)
	cache := oci.NewCache(filepath.Join(t.TempDir(), "bases"))

	build := func(fetcher Fetcher) (*Result, string) {
		var logs bytes.Buffer
		req := request(t, ref, amd64, arm64)
		req.Fetcher, req.Lock, req.Cache = fetcher, lock, cache
		req.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		res, err := Build(ctx, req)
		noErr(t, err)
		return res, logs.String()
	}
	if res, _ := build(remoteFetcher{}); res.Base.Digest != first {
		t.Fatalf("built on %s, want the locked %s", res.Base.Digest, first)
	}

	moved := pushBase(t, ref, amd64, arm64, ppc) // the tag moves
	res, logs := build(remoteFetcher{})
	if res.Base.Digest != first || !strings.Contains(logs, "moved") || !strings.Contains(logs, moved.String()) {
		t.Fatalf("after the tag moved: base %s, logs:\n%s\nwant the locked digest and a warning", res.Base.Digest, logs)
	}

	srv.Close() // no registry at all: the cache serves the pinned base
	if res, _ := build(nil); res.Base.Digest != first {
		t.Fatalf("offline build used %s, want %s", res.Base.Digest, first)
	}
}
