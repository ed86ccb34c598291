package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/layer"
)

// lookupIn returns a Vars.Lookup over m.
func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func absTestdata(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", rel))
	noErr(t, err)
	return p
}

func TestSpecLoadFull(t *testing.T) {
	vars := Vars{Lookup: lookupIn(map[string]string{"VERSION": "1.2.3"}), Git: Git{Commit: "0123456789abcdef", ShortCommit: "0123456"}}
	got, err := Load("../../testdata/spec/full.yaml", vars)
	noErr(t, err)
	dir, svc := absTestdata(t, "spec"), absTestdata(t, "service")
	want := &Spec{
		Path: "../../testdata/spec/full.yaml", Dir: dir, Base: "static",
		Platforms: []v1.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}},
		Layers: []Layer{
			{Name: "server", Line: 10, Go: &builder.GoLayer{
				Package: "../service/cmd/server", Dir: dir, Dest: "/usr/local/bin/server",
				Ldflags: []string{"-s", "-w", "-X", "main.version=1.2.3-0123456"},
				Tags:    []string{"netgo", "osusergo"}, Flags: []string{"-mod=readonly"},
				Env: map[string]string{"CGO_ENABLED": "0"},
			}},
			{Name: "assets", Line: 18, Files: &builder.Files{
				Src: filepath.Join(svc, "static"), Dest: "/srv/static", Mode: 0o644, ModeSet: true,
				UID: 65532, GID: 65532, Exclude: []string{"**/.git", "*.map"}, FollowSymlinks: true,
			}},
			{Name: "generated", Line: 27, Run: &builder.RunLayer{
				Command: []string{"sh", "-c", `echo built-for-$TARGETPLATFORM > "$OUT/build-info.txt"`},
				Env:     map[string]string{"LC_ALL": "C"}, Dir: svc, Dest: "/srv/generated",
				Inputs: []string{"full.yaml"}, InputsDir: dir,
			}},
		},
		Config: Config{
			Entrypoint: []string{"/usr/local/bin/server"}, Cmd: []string{"--port", "8080"},
			Env:     map[string]string{"PORT": "8080", "GREETING": "hello", "TEMPLATE": "${NOT_EXPANDED}"},
			Workdir: "/srv", User: "65532:65532", Labels: map[string]string{"team": "web", "version": "1.2.3"},
			ExposedPorts: []string{"8080/tcp", "9090/tcp"}, Volumes: []string{"/data"}, StopSignal: "SIGTERM",
		},
		Annotations: map[string]string{"org.opencontainers.image.title": "lading-example-service", "org.opencontainers.image.version": "1.2.3"},
		Tags:        []string{"registry.example/web/server:1.2.3", "registry.example/web/server:latest"},
		Checks: []builder.CheckCommand{{
			Command: []string{"go", "vet", "./cmd/server"}, Env: map[string]string{"GOFLAGS": "-mod=readonly"}, Dir: svc, Line: 54,
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(full.yaml):\n got %+v\nwant %+v", *got, *want)
		for i := range min(len(got.Layers), len(want.Layers)) {
			g, w := got.Layers[i], want.Layers[i]
			t.Logf("layer %d: got %+v %+v %+v %+v\nwant %+v %+v %+v %+v", i, g, g.Files, g.Go, g.Run, w, w.Files, w.Go, w.Run)
		}
	}
}

// TestSpecLoadService loads the example service's spec with no variables
// set and no git information: its defaults cover every variable.
func TestSpecLoadService(t *testing.T) {
	s, err := Load("../../testdata/service/lading.yaml", Vars{GitErr: errors.New("not a git checkout")})
	noErr(t, err)
	if len(s.Layers) != 3 || s.Layers[0].Go == nil || s.Layers[1].Files == nil || s.Layers[2].Run == nil {
		t.Fatalf("layers = %+v, want go, files, run", s.Layers)
	}
	if got := s.Layers[0].Go.Ldflags[3]; got != "main.version=dev" {
		t.Errorf("ldflags -X = %q, want the default main.version=dev", got)
	}
	if got := s.Layers[1].Files.Exclude; !reflect.DeepEqual(got, []string{"**/.git", "*.map"}) {
		t.Errorf("exclude = %q", got)
	}
	if s.Base != "static" || len(s.Platforms) != 2 || len(s.Checks) != 1 || s.Checks[0].Dir != s.Dir {
		t.Errorf("spec = %+v", s)
	}
}

func TestSpecPlatformsAll(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "lading.yaml")
	noErr(t, os.WriteFile(p, []byte("platforms: all\nlayers: []\n"), 0o644))
	s, err := Load(p, Vars{})
	noErr(t, err)
	if !s.AllPlatforms || s.Platforms != nil || s.Layers == nil || len(s.Layers) != 0 {
		t.Errorf("spec = %+v, want AllPlatforms and an empty, non-nil layer list", s)
	}
}

func TestSpecConfigPatchSortsEnv(t *testing.T) {
	p := Config{Env: map[string]string{"PORT": "8080", "A": "1", "Z": ""}}.Patch()
	if want := []string{"A=1", "PORT=8080", "Z="}; !reflect.DeepEqual(p.Env, want) {
		t.Errorf("Patch().Env = %q, want %q", p.Env, want)
	}
	if p.Entrypoint != nil || p.Cmd != nil {
		t.Errorf("unset entrypoint/cmd became %q/%q, want nil (inherit the base's)", p.Entrypoint, p.Cmd)
	}
}

func TestSpecErrorIsTyped(t *testing.T) {
	_, err := Load("../../testdata/spec/errors/unknown-key.yaml", Vars{})
	var se *SpecError
	if !errors.As(err, &se) || se.Line != 6 || se.Key != "layers[0].files.destination" {
		t.Fatalf("error = %#v, want a *SpecError at line 6, key layers[0].files.destination", err)
	}
	if !strings.Contains(err.Error(), "src, uid") {
		t.Errorf("error %q does not list the known keys", err)
	}
}

func TestSpecMissingFile(t *testing.T) {
	_, err := Load("../../testdata/spec/no-such.yaml", Vars{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "no-such.yaml") {
		t.Errorf("error = %v, want not-exist naming the file", err)
	}
}

// TestSpecFilesExcludeGit checks the .git rule a files layer gets, through
// layer.Collect: .git directories at any depth are left out, and a
// `!**/.git` pattern brings them back.
func TestSpecFilesExcludeGit(t *testing.T) {
	src := t.TempDir()
	for _, f := range []string{".git/config", "sub/.git/HEAD", "a.txt", "sub/b.txt", ".gitignore"} {
		noErr(t, os.MkdirAll(filepath.Dir(filepath.Join(src, f)), 0o755))
		noErr(t, os.WriteFile(filepath.Join(src, f), nil, 0o644))
	}
	paths := func(exclude ...string) string {
		es, err := layer.Collect(src, "/app", layer.CollectOptions{Exclude: exclude})
		noErr(t, err)
		var out []string
		for _, e := range es {
			out = append(out, e.Path)
		}
		return strings.Join(out, " ")
	}
	if got := paths(gitExclude); strings.Contains(got, ".git/") || strings.HasSuffix(got, ".git") || !strings.Contains(got, "/app/.gitignore") {
		t.Errorf("with the default exclude: %s", got)
	}
	if got := paths(gitExclude, "!**/.git"); !strings.Contains(got, "/app/.git/config") || !strings.Contains(got, "/app/sub/.git/HEAD") {
		t.Errorf("with !**/.git: %s", got)
	}
}
