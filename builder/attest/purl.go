package attest

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/manifest"
)

// Package URLs (https://github.com/package-url/purl-spec) name the
// packages of an SBOM and the bases and toolchain of a provenance, so that
// scanners can match them.

// goModulePURL is pkg:golang/PATH@VERSION, or without @VERSION when the
// version is unknown ("(devel)", a main module built from a checkout, or a
// module replaced by a directory). Module paths keep their slashes (the
// golang type's namespace is every segment but the last) and their case:
// Go module paths are case-sensitive.
func goModulePURL(path, version string) string {
	p := "pkg:golang/" + purlEscape(path, "/")
	if version == "" || version == "(devel)" {
		return p
	}
	return p + "@" + purlEscape(version, "")
}

// stdlibPURL is the Go standard library of toolchain goVersion
// ("go1.26.8"): pkg:golang/stdlib@1.26.8, the form syft writes and grype
// and Docker Scout match vulnerabilities against.
func stdlibPURL(goVersion string) string {
	return "pkg:golang/stdlib@" + purlEscape(strings.TrimPrefix(goVersion, "go"), "")
}

// goToolchain returns the toolchain's version without build suffixes: a
// binary's build info may say "go1.26.8 X:nocoverageredesign".
func goToolchain(goVersion string) string {
	if f := strings.Fields(goVersion); len(f) > 0 {
		return f[0]
	}
	return ""
}

// localPrefixes begin the image sources on this machine that --base
// takes (registry/oci.ParseLocal, which this package may not import).
var localPrefixes = []string{"oci-layout:", "oci-archive:", "docker-archive:"}

// ociPURL is pkg:oci/NAME@sha256%3AHEX with the repository and, when
// known, the architecture as qualifiers (the purl spec's oci type). ref is
// a registry reference as a person writes it; ok is false when it is not
// one (a local source, lading's built-in base), and then there is no purl.
func ociPURL(ref string, digest v1.Hash, arch string) (purl string, ok bool) {
	for _, p := range localPrefixes {
		if strings.HasPrefix(ref, p) {
			return "", false
		}
	}
	r, err := manifest.ParseReference(ref)
	if ref == builtinBase || err != nil || digest.Hex == "" {
		return "", false
	}
	repo := r.Context()
	last := repo.RepositoryStr()
	if i := strings.LastIndexByte(last, '/'); i >= 0 {
		last = last[i+1:]
	}
	var q []string
	if arch != "" {
		q = append(q, "arch="+purlEscape(arch, ""))
	}
	q = append(q, "repository_url="+purlEscape(repo.Name(), "/"))
	if t, isTag := r.(name.Tag); isTag && strings.HasSuffix(ref, ":"+t.TagStr()) {
		q = append(q, "tag="+purlEscape(t.TagStr(), ""))
	}
	return "pkg:oci/" + purlEscape(strings.ToLower(last), "") + "@" + purlEscape(digest.String(), "") +
		"?" + strings.Join(q, "&"), true
}

// purlEscape percent-encodes s as the purl spec asks: every byte but
// letters, digits, '.', '-', '_', '~' and those in keep.
func purlEscape(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '-', c == '_', c == '~', strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		default:
			const hexDigits = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
