package oci

import (
	"context"
	"strings"
)

// LocalRef names an image source on this machine, written
// oci-layout:DIR[:TAG|@DIGEST], oci-archive:FILE[:TAG] or
// docker-archive:FILE, as lading build --base and lading push take them.
type LocalRef struct {
	Kind     string // "oci-layout", "oci-archive" or "docker-archive"
	Path     string
	Selector string // "", a ref name, or "@sha256:…"
}

// ParseLocal splits s into a LocalRef; ok is false when s has none of the
// three prefixes (a registry reference, or a bare path).
func ParseLocal(s string) (LocalRef, bool) {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case "oci-layout", "oci-archive":
		path, sel := SplitRef(rest)
		return LocalRef{Kind: kind, Path: path, Selector: sel}, true
	case "docker-archive":
		return LocalRef{Kind: kind, Path: rest}, true
	}
	return LocalRef{}, false
}

// Open opens the image or index r names. An oci-archive is extracted into
// workDir, which must outlive the artifact.
func (r LocalRef) Open(ctx context.Context, workDir string) (Artifact, error) {
	switch r.Kind {
	case "oci-layout":
		return OpenLayout(r.Path, r.Selector)
	case "oci-archive":
		return OpenOCIArchive(ctx, r.Path, r.Selector, workDir)
	}
	return OpenDockerArchive(r.Path)
}

// SplitRef splits "PATH[:REF|@DIGEST]" into PATH and "REF" or
// "@sha256:…"; a colon followed by a slash belongs to PATH. It is the one
// splitter for local sources (--base, lading push) and outputs alike.
func SplitRef(s string) (string, string) {
	if i := strings.LastIndex(s, "@sha256:"); i >= 0 {
		return s[:i], s[i:]
	}
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s[i+1:], "/") {
		return s[:i], s[i+1:]
	}
	return s, ""
}
