package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGoFlag: --go builds testdata/service's server for two platforms
// with no spec, into a `go` layer per platform that passes the built-in
// checks (the entrypoint is an executable ELF of each platform's
// architecture), as the spec's go layer would.
func TestGoFlag(t *testing.T) {
	needs(t, crossCompile)
	service, err := filepath.Abs(filepath.Join("..", "..", "testdata", "service"))
	noErr(t, err)
	out, meta := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "meta.json")
	code, stdout, stderr := runLading(t, service, "build", "--no-spec", "--cache-dir", t.TempDir(), "--source-date-epoch", "0",
		"--go", "./cmd/server:/usr/local/bin/server", "--platform", "linux/amd64,linux/arm64", "--base", "static",
		"--entrypoint", "/usr/local/bin/server", "--oci-layout", out, "--metadata-file", meta)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	digest, images := readLayout(t, out)
	if !strings.Contains(stdout, digest) || len(images) != 2 {
		t.Fatalf("stdout %q, %d images; want the index %s of two", stdout, len(images), digest)
	}
	var res struct {
		Manifests []struct {
			Platform string
			Layers   []struct{ Name string }
		}
	}
	raw, err := os.ReadFile(meta)
	noErr(t, err)
	noErr(t, json.Unmarshal(raw, &res))
	for i, m := range res.Manifests {
		if last := m.Layers[len(m.Layers)-1].Name; last != "go" {
			t.Errorf("%s: last layer %q, want go", m.Platform, last)
		}
		if ep := images[i].config.Config.Entrypoint; !slices.Equal(ep, []string{"/usr/local/bin/server"}) {
			t.Errorf("%s: entrypoint %q", images[i].platform, ep)
		}
	}
	if _, err := os.Stat(filepath.Join(service, ".cache")); err == nil {
		t.Errorf("the build wrote a cache into testdata/service")
	}
}

// TestGoFlagRefused: a --go value that is not PKG:/ABS/PATH is a usage
// error naming it.
func TestGoFlagRefused(t *testing.T) {
	for _, v := range []string{"./cmd/server", "./cmd/server:bin/server", "./cmd/server:/usr/local/bin/"} {
		code, _, stderr := runLading(t, t.TempDir(), "build", "--go", v, "--oci-layout", filepath.Join(t.TempDir(), "o"))
		if code != exitUsage || !strings.Contains(stderr, "--go "+`"`+v+`"`) {
			t.Errorf("--go %s: exit %d, %q; want a usage error naming it", v, code, stderr)
		}
	}
}
