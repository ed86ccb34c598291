package builder

import (
	"maps"
	"slices"
	"strings"
)

// Annotation keys lading sets.
const (
	AnnotationBaseName   = "org.opencontainers.image.base.name"
	AnnotationBaseDigest = "org.opencontainers.image.base.digest"
)

// annotationsFor returns the manifest annotations: the request's, plus the
// base's name (a registry reference, a local base's full ref name, or
// "static") and digest (none for the built-ins: each platform image names
// its own base image, see platformAnnotations).
func annotationsFor(req Request, b base) map[string]string {
	out := maps.Clone(req.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	if b.refName != "" {
		out[AnnotationBaseName] = b.refName
	}
	if !b.builtin() {
		if d, err := b.digest(); err == nil {
			out[AnnotationBaseDigest] = d.String()
		}
	}
	return out
}

// createdBy is a layer's history line: its kind and name, no host paths.
func createdBy(l Layer) string {
	switch {
	case l.Go != nil:
		return l.Go.describe(l.Name)
	case l.Run != nil:
		return l.Run.describe(l.Name)
	}
	dests := make([]string, 0, len(l.Files))
	for _, f := range l.Files {
		dests = append(dests, f.Dest)
	}
	slices.Sort(dests)
	return "lading: files " + l.Name + " -> " + strings.Join(slices.Compact(dests), " ")
}
