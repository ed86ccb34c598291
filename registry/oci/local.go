package oci

import (
	"context"
	"strings"
)

// LocalRef names an image source on this machine, written
// oci-layout:DIR[:REF|@DIGEST], oci-archive:FILE[:REF] or
// docker-archive:FILE, as lading build --base and lading push take them.
// DIR and FILE end at their first colon (see SplitRef).
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
// "@sha256:…". A digest is looked for first; otherwise PATH ends at the
// FIRST colon, because ref names hold colons (lading names a layout's
// image "example.com/web/app:v1") and directory names rarely do: a PATH
// with a colon in it cannot be named this way (issue #9). It is the one
// splitter for local sources (--base, lading push) and outputs alike.
func SplitRef(s string) (string, string) {
	if i := strings.Index(s, "@sha256:"); i >= 0 {
		return s[:i], s[i:]
	}
	path, ref, _ := strings.Cut(s, ":")
	return path, ref
}
