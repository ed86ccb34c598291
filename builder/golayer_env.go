package builder

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

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
