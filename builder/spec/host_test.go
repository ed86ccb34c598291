package spec

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/builder"
)

// TestFullSpecBuilds runs every host step of testdata/spec/full.yaml, the
// spec the build tests load, so that it stays buildable: its go layer (a
// package path relative to the spec, tags, flags, env), its run layer and
// its check.
func TestFullSpecBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the example service")
	}
	ctx := context.Background()
	s, err := Load("../../testdata/spec/full.yaml", Vars{Lookup: func(string) (string, bool) { return "", false }})
	noErr(t, err)
	host := builder.HostEnv{Base: os.Environ()}
	arm64 := v1.Platform{OS: "linux", Architecture: "arm64"}
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	noErr(t, builder.BuildGo(ctx, *s.Layers[0].Go, arm64, filepath.Join(t.TempDir(), "server"), builder.GoEnv{HostEnv: host}))
	out := t.TempDir()
	noErr(t, builder.RunCommand(ctx, *s.Layers[2].Run, amd64, out, host))
	if b, err := os.ReadFile(filepath.Join(out, "build-info.txt")); err != nil || string(b) != "built-for-linux/amd64\n" {
		t.Errorf("run layer wrote %q, %v", b, err)
	}
	noErr(t, builder.HostCheck{Command: s.Checks[0], Env: host}.Run(ctx))
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
