package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/registry/oci"
)

// TestPullStopsRedirectLoop: a manifest GET that redirects to itself
// (issue 13: 109,000 requests in 70 s) fails after a few hops.
func TestPullStopsRedirectLoop(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path == "/v2/" {
			return
		}
		http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, _ := testClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.Pull(ctx, strings.TrimPrefix(srv.URL, "http://")+"/lading/loop:v1")
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("pull of a redirect loop: %v, want a redirect error", err)
	}
	if n.Load() > 30 {
		t.Errorf("the registry saw %d requests, want a few hops", n.Load())
	}
}

// hostileRegistry is ggcr's in-process registry, except that GETs of
// the blob digest serve serve instead (and count the bytes sent).
type hostileRegistry struct {
	srv    *httptest.Server
	served atomic.Int64
}

func newHostileRegistry(t *testing.T, digest v1.Hash, serve func(http.ResponseWriter) int64) *hostileRegistry {
	t.Helper()
	h := &hostileRegistry{}
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+digest.String()) {
			h.served.Add(serve(w))
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// putManifest puts raw under ref's repository and tag v1.
func (h *hostileRegistry) putManifest(t *testing.T, repo string, raw []byte) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, h.srv.URL+"/v2/"+repo+"/manifests/v1", bytes.NewReader(raw))
	req.Header.Set("Content-Type", string(types.OCIManifestSchema1))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("put manifest: %v %v", err, resp)
	}
	resp.Body.Close()
	return strings.TrimPrefix(h.srv.URL, "http://") + "/" + repo + ":v1"
}

func manifestJSON(t *testing.T, config v1.Descriptor, annotation string) []byte {
	t.Helper()
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: config, Layers: []v1.Descriptor{}}
	if annotation != "" {
		m.Annotations = map[string]string{"a": annotation}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestPullCapsConfig: a manifest declaring an 8 GiB config is refused
// before a byte of the config is read (issue 13, case 8).
func TestPullCapsConfig(t *testing.T) {
	cd := v1.Descriptor{MediaType: types.OCIConfigJSON, Size: 8 << 30, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}}
	h := newHostileRegistry(t, cd.Digest, func(w http.ResponseWriter) int64 {
		n, _ := io.Copy(w, io.LimitReader(zeros{}, 64<<20)) // enough to see, cut short of 8 GiB
		return n
	})
	ref := h.putManifest(t, "lading/big", manifestJSON(t, cd, ""))
	c, _ := testClient(t)
	a, err := c.Pull(context.Background(), ref)
	noError(t, err)
	_, err = a.(v1.Image).ConfigFile()
	if err == nil || !strings.Contains(err.Error(), "declares") {
		t.Errorf("config of 8 GiB: %v, want it refused for its declared size", err)
	}
	if n := h.served.Load(); n != 0 {
		t.Errorf("the registry sent %d bytes of the config, want none read", n)
	}
}

// TestPullVerifiesConfig: a config whose bytes are not its digest's is
// refused (issue 13, case 2; ggcr checks it too).
func TestPullVerifiesConfig(t *testing.T) {
	honest := []byte(`{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`)
	evil := bytes.Replace(honest, []byte("PATH=/bin"), []byte("LD_PRELOAD=/e"), 1)
	cd := v1.Descriptor{MediaType: types.OCIConfigJSON, Size: int64(len(honest))}
	cd.Digest, _, _ = v1.SHA256(bytes.NewReader(honest))
	h := newHostileRegistry(t, cd.Digest, func(w http.ResponseWriter) int64 {
		n, _ := w.Write(evil[:len(honest)])
		return int64(n)
	})
	ref := h.putManifest(t, "lading/evil", manifestJSON(t, cd, ""))
	c, _ := testClient(t)
	a, err := c.Pull(context.Background(), ref)
	noError(t, err)
	if cf, err := a.(v1.Image).ConfigFile(); err == nil {
		t.Errorf("altered config read: env %v", cf.Config.Env)
	}
}

// TestPullCapsManifest: a manifest bigger than oci.MaxIndexSize is
// refused (ggcr allows 100 MiB).
func TestPullCapsManifest(t *testing.T) {
	h := newHostileRegistry(t, v1.Hash{}, nil)
	cd := v1.Descriptor{MediaType: types.OCIConfigJSON, Size: 2, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}}
	ref := h.putManifest(t, "lading/fat", manifestJSON(t, cd, strings.Repeat("x", oci.MaxIndexSize)))
	c, _ := testClient(t)
	_, err := c.Pull(context.Background(), ref)
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("pull of a %d-byte manifest: %v, want it refused", oci.MaxIndexSize, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
