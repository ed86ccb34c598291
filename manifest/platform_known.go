package manifest

import "strings"

// goPlatforms is `go tool dist list` of Go 1.26: every os/arch pair Go
// builds for, so every pair a go layer can target.
const goPlatforms = `aix/ppc64 android/386 android/amd64 android/arm android/arm64
darwin/amd64 darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm
freebsd/arm64 illumos/amd64 ios/amd64 ios/arm64 js/wasm linux/386
linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips linux/mips64
linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x
netbsd/386 netbsd/amd64 netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64
openbsd/arm openbsd/arm64 openbsd/ppc64 openbsd/riscv64 plan9/386 plan9/amd64
plan9/arm solaris/amd64 wasip1/wasm windows/386 windows/amd64 windows/arm64`

// knownPairs lists goPlatforms.
func knownPairs() []string { return strings.Fields(goPlatforms) }

// variantsOf lists the variants arch may name: the OCI image-spec's
// (arm v6-v8, arm64 v8), the x86-64 micro-architecture levels and arm64
// revisions containerd and buildx accept, and Go's GO386, GOMIPS,
// GOPPC64 and GORISCV64 settings.
func variantsOf(arch string) []string {
	switch arch {
	case "arm":
		return []string{"v5", "v6", "v7", "v8"}
	case "arm64":
		return strings.Fields("v8 v8.0 v8.1 v8.2 v8.3 v8.4 v8.5 v8.6 v8.7 v8.8 v8.9 v9 v9.0 v9.1 v9.2 v9.3 v9.4 v9.5")
	case "amd64":
		return []string{"v1", "v2", "v3", "v4"}
	case "386":
		return []string{"sse2", "softfloat"}
	case "mips", "mipsle", "mips64", "mips64le":
		return []string{"hardfloat", "softfloat"}
	case "ppc64", "ppc64le":
		return []string{"power8", "power9", "power10"}
	case "riscv64":
		return []string{"rva20u64", "rva22u64", "rva23u64"}
	}
	return nil
}

// knownPlatforms lists every os/arch and os/arch/variant, in goPlatforms
// order, each pair before its variants: the candidates of a suggestion.
func knownPlatforms() []string {
	var out []string
	for _, pair := range knownPairs() {
		out = append(out, pair)
		for _, v := range variantsOf(pair[strings.Index(pair, "/")+1:]) {
			out = append(out, pair+"/"+v)
		}
	}
	return out
}

// archAlias maps a name uname, Debian or Docker users write for an
// architecture to Go's (with the variant it implies), for suggestions.
func archAlias(a string) (string, bool) {
	switch a {
	case "x86_64", "x86-64", "x64":
		return "amd64", true
	case "aarch64", "armv8":
		return "arm64", true
	case "armhf", "armv7", "armv7l":
		return "arm/v7", true
	case "armv6", "armv6l":
		return "arm/v6", true
	case "i386", "i686", "x86":
		return "386", true
	}
	return "", false
}
