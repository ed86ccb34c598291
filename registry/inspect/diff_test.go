package inspect

import (
	"bytes"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// diffText runs Diff and returns its lines as WriteChanges writes them.
func diffText(t *testing.T, a, b v1.Image) string {
	t.Helper()
	changes, err := Diff(a, b)
	noErr(t, err)
	var buf bytes.Buffer
	noErr(t, WriteChanges(&buf, changes))
	return buf.String()
}

// TestDiffImages: a changed env entry and a file's mode, size, content,
// an added and a removed entry are named with both values; the first,
// identical layer is not opened.
func TestDiffImages(t *testing.T) {
	base := tarLayer(t, ent{name: "etc/", mode: 0o755})
	a := image(t, []string{"PATH=/bin", "A=1"}, unopenable{base},
		tarLayer(t, ent{name: "app", data: "v1", mode: 0o755}, ent{name: "old", data: "o", mode: 0o644}))
	b := image(t, []string{"PATH=/bin", "A=2"}, unopenable{base},
		tarLayer(t, ent{name: "app", data: "v2!", mode: 0o700}, ent{name: "new", target: "app"}))
	got := diffText(t, a, b)
	for _, want := range []string{
		`config.Env[1]: "A=1" → "A=2"`,
		"layer 2: /app: mode 0755 → 0700",
		"layer 2: /app: size 2 → 3",
		"layer 2: /app: content sha256:",
		"layer 2: /new: added symlink 0000 -> app",
		"layer 2: /old: removed file 0644 1 bytes",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasPrefix(got, "digest: sha256:") || strings.Contains(got, "layer 1") {
		t.Errorf("diff should start with both digests and not mention the shared layer 1:\n%s", got)
	}
	if same := diffText(t, a, a); same != "" {
		t.Errorf("an image against itself: %q, want nothing", same)
	}
}

// TestDiffIndexes: entries are matched by platform; one only one side
// has is named, and a changed one is compared under its platform.
func TestDiffIndexes(t *testing.T) {
	amd := image(t, []string{"A=1"}, tarLayer(t, ent{name: "f", data: "1", mode: 0o644}))
	amd2 := image(t, []string{"A=2"}, tarLayer(t, ent{name: "f", data: "1", mode: 0o644}))
	arm := image(t, nil, tarLayer(t, ent{name: "g", data: "2", mode: 0o644}))
	idx := func(entries ...mutate.IndexAddendum) v1.ImageIndex {
		return mutate.AppendManifests(empty.Index, entries...)
	}
	on := func(img v1.Image, arch string) mutate.IndexAddendum {
		return mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}}
	}
	a, b := idx(on(amd, "amd64"), on(arm, "arm64")), idx(on(amd2, "amd64"))
	changes, err := Diff(a, b)
	noErr(t, err)
	var buf bytes.Buffer
	noErr(t, WriteChanges(&buf, changes))
	got := buf.String()
	for _, want := range []string{`linux/amd64: config.Env[0]: "A=1" → "A=2"`, "platform linux/arm64: removed sha256:"} {
		if !strings.Contains(got, want) {
			t.Errorf("index diff lacks %q:\n%s", want, got)
		}
	}
}

// TestDescribe: lading's history names its layers; an index lists its
// platforms.
func TestDescribe(t *testing.T) {
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: tarLayer(t, ent{name: "f", data: "1", mode: 0o644}),
		History: v1.History{CreatedBy: "lading: go server ./cmd/server -> /usr/local/bin/"}})
	noErr(t, err)
	d, err := Describe(img)
	noErr(t, err)
	if len(d.Layers) != 1 || d.Layers[0].Kind != "go" || d.Layers[0].Name != "server" {
		t.Errorf("layers %+v, want one named go server", d.Layers)
	}
	var buf bytes.Buffer
	noErr(t, WriteText(&buf, d))
	if !strings.Contains(buf.String(), "go server") {
		t.Errorf("text lacks the layer name:\n%s", buf.String())
	}
}
