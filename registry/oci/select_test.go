package oci

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// entries makes index entries with the given ref names; entry i has
// digest sha256:<i repeated>.
func entries(names ...string) []v1.Descriptor {
	ms := make([]v1.Descriptor, len(names))
	for i, n := range names {
		ms[i] = v1.Descriptor{
			Digest:      v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(string(rune('0'+i)), 64)},
			Annotations: map[string]string{AnnotationRefName: n},
		}
	}
	return ms
}

// TestSelectEntry: a layout lading wrote (ref names are full references)
// is selected by the full reference or by its bare tag (issue #9).
func TestSelectEntry(t *testing.T) {
	ms := entries("example.com/web/server:v1", "example.com/web/server:v2", "example.com/web/other:v2", "latest")
	for sel, want := range map[string]int{
		"example.com/web/server:v1": 0,
		"v1":                        0,
		"example.com/web/other:v2":  2,
		"latest":                    3,
		"@" + ms[1].Digest.String(): 1,
	} {
		got, err := selectEntry(ms, sel)
		if err != nil || got.Digest != ms[want].Digest {
			t.Errorf("selectEntry(%q) = %v, %v; want entry %d", sel, got.Digest, err, want)
		}
	}
	for sel, wantErr := range map[string]string{
		"v2":        "ambiguous: it matches example.com/web/server:v2, example.com/web/other:v2",
		"v3":        `no entry "v3" (it has: example.com/web/server:v1`,
		"server:v1": `no entry "server:v1"`,
		"":          "name one after the path with :REF or @DIGEST, e.g. :example.com/web/server:v1",
	} {
		if _, err := selectEntry(ms, sel); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("selectEntry(%q) error = %v, want it to contain %q", sel, err, wantErr)
		}
	}
}

// TestSelectEntryEmpty: a layout whose index.json lists nothing is an
// error, not an index out of range (found by FuzzOpenLayout, issue 13).
func TestSelectEntryEmpty(t *testing.T) {
	for _, sel := range []string{"", "v1", "@sha256:" + strings.Repeat("0", 64)} {
		if _, err := selectEntry(nil, sel); err == nil || !strings.Contains(err.Error(), "holds no images") {
			t.Errorf("selectEntry(nil, %q) = %v; want an error saying the layout holds no images", sel, err)
		}
	}
}
