package builder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/manifest"
)

// GoLayer is a Go main package built for each platform by BuildGo: a spec's
// `go` layer.
type GoLayer struct {
	// Package is `package` as written: "./cmd/server" (relative to Dir)
	// or an import path in the spec's module.
	Package string
	// Dir is where go build runs: the spec's directory.
	Dir     string
	Dest    string            // `dest`, the binary's absolute image path
	Ldflags []string          // `ldflags`, one argument per item
	Tags    []string          // `tags`, build tags
	Flags   []string          // `flags`, more go build flags
	Env     map[string]string // `env`, over the parent's and lading's
}

// make builds the program into dir, named after the layer's dest, and
// returns its path.
func (l *GoLayer) make(ctx context.Context, p v1.Platform, dir string, env HostEnv) (string, error) {
	out := filepath.Join(dir, path.Base(l.Dest))
	return out, BuildGo(ctx, *l, p, out, GoEnv{HostEnv: env})
}

// outputKey names the directory a layer cache keeps l's binary for p in:
// everything go build is told, so a different package, flag or platform
// never finds another's binary (go build itself decides whether the one
// there is up to date).
func (l *GoLayer) outputKey(p v1.Platform) string {
	h := sha256.New()
	fmt.Fprintf(h, "go\x00%q\x00%q\x00%q\x00%q\x00%q\x00%q\x00%q\x00%s",
		l.Package, l.Dir, l.Dest, l.Ldflags, l.Tags, l.Flags, EnvList(l.Env), p.String())
	return hex.EncodeToString(h.Sum(nil))
}

// describe is the layer's history line: its name, its package (unless a
// host path) and its dest.
func (l *GoLayer) describe(name string) string {
	if filepath.IsAbs(l.Package) {
		return "lading: go " + name + " -> " + l.Dest
	}
	return "lading: go " + name + " " + l.Package + " -> " + l.Dest
}

// GoEnv is what go build starts from.
type GoEnv struct {
	// HostEnv.Base is the parent environment: GOCACHE, GOPATH, GOPROXY and
	// the rest pass through, so the user's build cache is reused. GOFLAGS,
	// GOEXPERIMENT and the architecture-level variables (GOAMD64, GOARM,
	// …) do not: they would make the binary depend on the machine. A
	// layer's env may set any of them.
	HostEnv
	// Go is the go command; default "go", found on Base's PATH.
	Go string
}

// BuildGo builds l's main package for platform p into outFile, with go
// build run in l.Dir. The flags make the binary a function of the source,
// the Go version and the layer's settings alone, byte for byte on any
// machine and from any checkout path (docs/spec.md, "Reproducible"):
//
//	-trimpath          no host paths (module paths and versions instead)
//	-buildvcs=false    no VCS stamp: two clones, or a tarball, differ there
//	-ldflags=…         the user's ldflags
//
// plus GOOS/GOARCH and GOAMD64/GOARM/GOARM64 from p, and CGO_ENABLED=0
// unless l.Env sets it. The build ID is Go's own, derived from the content
// of the inputs, so it is the same on any machine too; and since it is kept,
// go build sees that an existing outFile is up to date and neither compiles
// nor links again (issue 10: an empty -buildid= made every build relink). A compile error returns a *CommandError holding the
// compiler's output, wrapped with the package and the platform.
func BuildGo(ctx context.Context, l GoLayer, p v1.Platform, outFile string, env GoEnv) error {
	fail := func(err error) error {
		return fmt.Errorf("build go package %s for %s: %w", l.Package, platformString(p), err)
	}
	penv, err := goPlatformEnv(p)
	if err != nil {
		return fail(err)
	}
	out, err := filepath.Abs(outFile)
	if err != nil {
		return fail(err)
	}
	args, err := goBuildArgs(l, out)
	if err != nil {
		return fail(err)
	}
	c := hostCmd{
		argv: append([]string{orString(env.Go, "go")}, args...), dir: l.Dir, lines: 60, bytes: 16 << 10,
		env: manifest.MergeEnv(withoutEnv(env.Base, goMachineVars()...), penv, EnvList(l.Env)), label: "go build " + platformString(p),
	}
	if err := env.run(ctx, c); err != nil {
		return fail(err)
	}
	if err := checkProgram(out); err != nil {
		return fail(err)
	}
	return nil
}

// goBuildArgs returns go build's arguments for l, writing to out.
func goBuildArgs(l GoLayer, out string) ([]string, error) {
	ldflags, err := quoteFlags(l.Ldflags)
	if err != nil {
		return nil, fmt.Errorf("ldflags: %w", err)
	}
	args := []string{"build", "-o", out, "-trimpath", "-buildvcs=false", "-ldflags=" + ldflags}
	if len(l.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(l.Tags, ","))
	}
	return append(append(args, l.Flags...), l.Package), nil
}

// quoteFlags joins args into one flag value the way go build splits it
// again: on spaces, with '…' or "…" around an argument that needs them.
func quoteFlags(args []string) (string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case a != "" && !strings.ContainsAny(a, " \t\n\r'\""):
			out[i] = a
		case !strings.Contains(a, "'"):
			out[i] = "'" + a + "'"
		case !strings.Contains(a, `"`):
			out[i] = `"` + a + `"`
		default:
			return "", fmt.Errorf("%q holds both kinds of quote and cannot be passed to go build", a)
		}
	}
	return strings.Join(out, " "), nil
}

// checkProgram fails when go build wrote a package archive (the package is
// not main) and makes the program 0755 whatever the umask.
func checkProgram(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open built program: %w", err)
	}
	head := make([]byte, 8)
	_, err = io.ReadFull(f, head)
	f.Close()
	if bytes.Equal(head, []byte("!<arch>\n")) {
		return fmt.Errorf("not a main package: go build wrote a package archive, not a program")
	}
	if err != nil {
		return fmt.Errorf("read built program: %w", err)
	}
	return os.Chmod(file, 0o755)
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// goMachineVars are the parent's variables go build does not inherit: a
// developer's GOAMD64=v3 or GOFLAGS=-gcflags=… would otherwise change the
// binary from one machine to the next. GOFLAGS is then set to a value that
// changes nothing, so a GOFLAGS in the user's go env file is ignored too.
func goMachineVars() []string {
	return []string{
		"GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT",
		"GOAMD64", "GOARM", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM",
	}
}

// goPlatformEnv returns the variables that make go build target p.
func goPlatformEnv(p v1.Platform) ([]string, error) {
	env := []string{"GOOS=" + p.OS, "GOARCH=" + p.Architecture, "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false"}
	level, err := goArchLevel(p)
	if err != nil {
		return nil, err
	}
	if level != "" {
		env = append(env, level)
	}
	return env, nil
}

// goArchLevel maps p's variant to the go variable that picks it. A missing
// variant means the OCI default (amd64 v1, arm v7, arm64 v8), set
// explicitly so the user's go env file cannot change it.
func goArchLevel(p v1.Platform) (string, error) {
	v := p.Variant
	switch p.Architecture {
	case "amd64":
		switch v {
		case "", "v1", "v2", "v3", "v4":
			return "GOAMD64=" + orString(v, "v1"), nil
		}
	case "arm":
		switch v {
		case "", "v5", "v6", "v7":
			return "GOARM=" + orString(v, "v7")[1:], nil
		}
	case "arm64":
		switch v {
		case "", "v8":
			return "GOARM64=v8.0", nil
		}
	default:
		if v == "" {
			return "", nil
		}
	}
	return "", fmt.Errorf("platform variant %q: go build cannot target it (amd64: v1-v4, arm: v5-v7, arm64: v8; others: none)", v)
}
