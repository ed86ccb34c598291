package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// TestBuildPush: lading build --push sends a two-platform index to every
// tag, prints REPO@sha256:… per reference and records them in the metadata.
func TestBuildPush(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "hello.txt"), "hi")
	meta := filepath.Join(dir, "meta.json")
	code, stdout, stderr := runLading(t, dir, "build", "-q", "--add", filepath.Join(dir, "tree")+":/srv",
		"--platform", "linux/amd64,linux/arm64", "--source-date-epoch", "0", "--push",
		"-t", host+"/web/app:v1", "-t", host+"/web/app:latest", "--metadata-file", meta)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res struct {
		Digest string
		Pushed struct{ Manifests []json.RawMessage }
	}
	raw, err := os.ReadFile(meta)
	noErr(t, err)
	noErr(t, json.Unmarshal(raw, &res))
	want := host + "/web/app@" + res.Digest
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 || lines[0] != want || lines[1] != want {
		t.Errorf("stdout %q, want %s twice", stdout, want)
	}
	if len(res.Pushed.Manifests) < 2 {
		t.Errorf("metadata lists %d pushed manifests, want each platform's", len(res.Pushed.Manifests))
	}
	for _, tag := range []string{"v1", "latest"} {
		ref, err := name.ParseReference(host + "/web/app:" + tag)
		noErr(t, err)
		idx, err := remote.Index(ref)
		noErr(t, err)
		noErr(t, validate.Index(idx))
		if d, _ := idx.Digest(); d.String() != res.Digest {
			t.Errorf("%s points at %s, want %s", tag, d, res.Digest)
		}
	}
	if _, err := os.Stat("lading-out"); err == nil {
		t.Error("--push alone also wrote ./lading-out")
	}
	if code, _, stderr := runLading(t, dir, "build", "--add", filepath.Join(dir, "tree")+":/srv", "--push"); code != exitUsage || !strings.Contains(stderr, "--tag") {
		t.Errorf("--push with no tag: exit %d, stderr %q; want a usage error naming --tag", code, stderr)
	}
}

// inProcessRegistry starts ggcr's registry on loopback for one test and
// returns it (closed at cleanup, or earlier by the test) and its host:port.
func inProcessRegistry(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return srv, strings.TrimPrefix(srv.URL, "http://")
}
