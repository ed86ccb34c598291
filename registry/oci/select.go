package oci

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// selectEntry picks the index.json entry that sel names: the only entry
// when sel is "", the entry with digest sel[1:] when sel is "@sha256:…",
// else the entry whose ref name is sel, else, when sel is a bare tag
// ("v1"), the one entry whose ref name ends in ":v1" (lading names a
// layout's image by its full reference, issue #9). Referrer entries (see
// AnnotationReferrerSubject) are found by digest only: an image with an
// SBOM beside it is still the layout's only image.
func selectEntry(ms []v1.Descriptor, sel string) (v1.Descriptor, error) {
	if strings.HasPrefix(sel, "@") {
		if i := slices.IndexFunc(ms, func(m v1.Descriptor) bool { return m.Digest.String() == sel[1:] }); i >= 0 {
			return ms[i], nil
		}
	}
	ms = slices.DeleteFunc(slices.Clone(ms), isReferrerEntry)
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		names = append(names, m.Annotations[AnnotationRefName])
	}
	switch {
	case len(ms) == 0:
		// Found by FuzzOpenLayout: names[0] below panicked.
		return v1.Descriptor{}, fmt.Errorf("it holds no images (index.json lists no manifests); build or copy an image into it first")
	case sel == "" && len(ms) == 1:
		return ms[0], nil
	case sel == "":
		return v1.Descriptor{}, fmt.Errorf("it holds %d entries (%s); name one after the path with :REF or @DIGEST, e.g. :%s", len(ms), strings.Join(names, ", "), names[0])
	case strings.HasPrefix(sel, "@"):
		return v1.Descriptor{}, fmt.Errorf("no entry with digest %s (it has: %s)", sel[1:], strings.Join(names, ", "))
	}
	if i := slices.Index(names, sel); i >= 0 {
		return ms[i], nil
	}
	return selectByTag(ms, names, sel)
}

// selectByTag picks the one entry whose ref name is a full reference
// with tag sel; none, or several, is an error listing what there is.
func selectByTag(ms []v1.Descriptor, names []string, sel string) (v1.Descriptor, error) {
	var hits []int
	if !strings.ContainsAny(sel, ":/@") {
		for i, n := range names {
			if strings.HasSuffix(n, ":"+sel) {
				hits = append(hits, i)
			}
		}
	}
	switch len(hits) {
	case 1:
		return ms[hits[0]], nil
	case 0:
		return v1.Descriptor{}, fmt.Errorf("no entry %q (it has: %s)", sel, strings.Join(names, ", "))
	}
	var cands []string
	for _, i := range hits {
		cands = append(cands, names[i])
	}
	return v1.Descriptor{}, fmt.Errorf("tag %q is ambiguous: it matches %s; name one in full", sel, strings.Join(cands, ", "))
}
