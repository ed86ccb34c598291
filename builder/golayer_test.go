package builder

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// goEnv is the test process's environment, as cmd would pass it.
func goEnv() GoEnv { return GoEnv{HostEnv: HostEnv{Base: os.Environ()}} }

// serviceLayer is the example service's go layer, as its spec
// (testdata/service/lading.yaml) describes it.
func serviceLayer(t *testing.T) GoLayer {
	t.Helper()
	dir, err := filepath.Abs("../testdata/service")
	noErr(t, err)
	return GoLayer{Package: "./cmd/server", Dir: dir, Dest: "/usr/local/bin/server",
		Ldflags: []string{"-s", "-w", "-X", "main.version=dev"}}
}

func TestGoBuildService(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the example service for two platforms")
	}
	l := serviceLayer(t)
	for _, tc := range []struct {
		p    v1.Platform
		want elf.Machine
	}{{amd64, elf.EM_X86_64}, {arm64, elf.EM_AARCH64}} {
		out := filepath.Join(t.TempDir(), "server")
		noErr(t, BuildGo(context.Background(), l, tc.p, out, goEnv()))
		f, err := elf.Open(out)
		noErr(t, err)
		if f.Machine != tc.want || f.Class != elf.ELFCLASS64 {
			t.Errorf("%s: ELF machine %s class %s, want %s", tc.p, f.Machine, f.Class, tc.want)
		}
		if s := f.Section(".interp"); s != nil {
			t.Errorf("%s: binary has an interpreter; CGO_ENABLED=0 should make it static", tc.p)
		}
		f.Close()
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v, %v; want 0755", tc.p, fi.Mode(), err)
		}
	}
}

// tinyModule writes a one-package module under a new directory whose path
// has depth extra levels, and returns the module's directory.
func tinyModule(t *testing.T, depth int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range depth {
		dir = filepath.Join(dir, strings.Repeat("d", i+1))
	}
	noErr(t, os.MkdirAll(filepath.Join(dir, "cmd", "hello"), 0o755))
	noErr(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644))
	src := "package main\n\nimport \"os\"\n\nvar version = \"dev\"\n\nfunc main() { os.Stdout.WriteString(\"hello \" + version + \"\\n\") }\n"
	noErr(t, os.WriteFile(filepath.Join(dir, "cmd", "hello", "main.go"), []byte(src), 0o644))
	return dir
}

// TestGoBuildReproducible builds one package from two copies of a module
// at different paths, the second with an empty build cache and a hostile
// environment (GOFLAGS, GOAMD64, CGO_ENABLED): the binaries
// are byte-identical. It is the one test that pays for an empty Go build
// cache (the runtime for one platform, ~40 s on two busy cores); the
// others share the user's cache (issue 9).
func TestGoBuildReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the runtime into a fresh build cache")
	}
	build := func(dir string, env GoEnv) []byte {
		l := GoLayer{Package: "./cmd/hello", Dir: dir, Dest: "/hello", Ldflags: []string{"-X", "main.version=1.0 beta"}}
		out := filepath.Join(t.TempDir(), "hello")
		noErr(t, BuildGo(context.Background(), l, amd64, out, env))
		b, err := os.ReadFile(out)
		noErr(t, err)
		return b
	}
	dirA, dirB := tinyModule(t, 0), tinyModule(t, 3)
	a := build(dirA, goEnv())
	hostile := goEnv()
	hostile.Base = append(hostile.Base, "GOCACHE="+t.TempDir(), "GOFLAGS=-gcflags=all=-N", "GOAMD64=v3", "CGO_ENABLED=1")
	b := build(dirB, hostile)
	if !bytes.Equal(a, b) {
		t.Fatalf("binaries differ: %d and %d bytes", len(a), len(b))
	}
	if bytes.Contains(a, []byte(dirA)) {
		t.Errorf("binary holds its checkout path %s", dirA)
	}
	if !bytes.Contains(a, []byte("1.0 beta")) {
		t.Error("binary lacks the -X value with a space; ldflags quoting lost it")
	}
}

func TestGoBuildCompileError(t *testing.T) {
	dir := tinyModule(t, 0)
	bad := "package main\n\nfunc main() { undefinedThing() }\n"
	noErr(t, os.WriteFile(filepath.Join(dir, "cmd", "hello", "main.go"), []byte(bad), 0o644))
	l := GoLayer{Package: "./cmd/hello", Dir: dir, Dest: "/hello"}
	host := v1.Platform{OS: "linux", Architecture: runtime.GOARCH} // not a cross-compile: -short runs it
	err := BuildGo(context.Background(), l, host, filepath.Join(t.TempDir(), "hello"), goEnv())
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 1 {
		t.Fatalf("error = %v, want a *CommandError with exit code 1", err)
	}
	for _, want := range []string{"build go package ./cmd/hello for " + host.String(), "main.go:3:15: undefined: undefinedThing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%s\nwant it to contain %q", err, want)
		}
	}
}

func TestGoBuildNotMain(t *testing.T) {
	dir := tinyModule(t, 0)
	noErr(t, os.MkdirAll(filepath.Join(dir, "lib"), 0o755))
	noErr(t, os.WriteFile(filepath.Join(dir, "lib", "lib.go"), []byte("package lib\n\nfunc F() int { return 1 }\n"), 0o644))
	err := BuildGo(context.Background(), GoLayer{Package: "./lib", Dir: dir}, amd64, filepath.Join(t.TempDir(), "lib"), goEnv())
	if err == nil || !strings.Contains(err.Error(), "not a main package") {
		t.Fatalf("error = %v, want one saying ./lib is not a main package", err)
	}
}

func TestGoPlatformEnv(t *testing.T) {
	for _, tc := range []struct {
		platform string
		want     string // the level variable, "" for none, "error" for an error
	}{
		{"linux/amd64", "GOAMD64=v1"}, {"linux/amd64/v3", "GOAMD64=v3"}, {"linux/amd64/v5", "error"},
		{"linux/arm", "GOARM=7"}, {"linux/arm/v6", "GOARM=6"}, {"linux/arm/v5", "GOARM=5"}, {"linux/arm/v8", "error"},
		{"linux/arm64", "GOARM64=v8.0"}, {"linux/arm64/v8", "GOARM64=v8.0"}, {"linux/arm64/v9", "error"},
		{"linux/ppc64le", ""}, {"linux/s390x", ""}, {"linux/riscv64/rva23", "error"},
	} {
		p, err := v1.ParsePlatform(tc.platform)
		noErr(t, err)
		env, err := goPlatformEnv(*p)
		switch {
		case tc.want == "error" && err == nil:
			t.Errorf("%s: no error", tc.platform)
		case tc.want == "error":
		case err != nil:
			t.Errorf("%s: %v", tc.platform, err)
		default:
			base := []string{"GOOS=linux", "GOARCH=" + p.Architecture, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false"}
			if tc.want != "" {
				base = append(base, tc.want)
			}
			if !reflect.DeepEqual(env, base) {
				t.Errorf("%s: env %q, want %q", tc.platform, env, base)
			}
		}
	}
}

func TestGoBuildArgs(t *testing.T) {
	l := GoLayer{Package: "./cmd/server", Ldflags: []string{"-s", "-X", "main.msg=hello world", "-X", "main.q=it's"}, Tags: []string{"netgo", "osusergo"}, Flags: []string{"-mod=readonly"}}
	got, err := goBuildArgs(l, "/out/server")
	noErr(t, err)
	want := []string{"build", "-o", "/out/server", "-trimpath", "-buildvcs=false",
		`-ldflags=-s -X 'main.msg=hello world' -X "main.q=it's"`, "-tags=netgo,osusergo", "-mod=readonly", "./cmd/server"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("goBuildArgs =\n%q\nwant\n%q", got, want)
	}
	if _, err := goBuildArgs(GoLayer{Ldflags: []string{`a'b"c d`}}, "/o"); err == nil {
		t.Error("an ldflag with both quotes and a space was accepted")
	}
	if len(l.Ldflags) != 5 {
		t.Errorf("goBuildArgs changed the layer's ldflags: %q", l.Ldflags)
	}
}

func TestGoLayerMake(t *testing.T) {
	l := &GoLayer{Package: "./cmd/hello", Dir: tinyModule(t, 0), Dest: "/usr/local/bin/hello"}
	dir := t.TempDir()
	src, err := l.make(context.Background(), amd64, dir, goEnv().HostEnv)
	noErr(t, err)
	if src != filepath.Join(dir, "hello") {
		t.Errorf("make = %s", src)
	}
	if d := l.describe("server"); d != "lading: go server ./cmd/hello -> /usr/local/bin/hello" {
		t.Errorf("describe = %q", d)
	}
}
