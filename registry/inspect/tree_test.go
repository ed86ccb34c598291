package inspect

import (
	"fmt"
	"strings"
	"testing"
)

// TestTreeWhiteouts: the merged tree applies whiteouts, opaque markers and
// a file replacing a directory to the layers below only, and names the
// layer each entry comes from.
func TestTreeWhiteouts(t *testing.T) {
	img := image(t, nil,
		tarLayer(t, ent{name: "a/", mode: 0o755}, ent{name: "a/x", data: "x", mode: 0o644},
			ent{name: "b/", mode: 0o755}, ent{name: "b/y", data: "y", mode: 0o644},
			ent{name: "c/", mode: 0o755}, ent{name: "c/z", data: "z", mode: 0o644}, ent{name: "keep", data: "k", mode: 0o600}),
		tarLayer(t, ent{name: "a/.wh.x"}, ent{name: "b/.wh..wh..opq"}, ent{name: "b/new", data: "n", mode: 0o755},
			ent{name: "c", data: "now a file", mode: 0o4755}, ent{name: "l", target: "keep", mode: 0o777}))
	files, err := Tree(img)
	noErr(t, err)
	var got []string
	for _, f := range files {
		got = append(got, fmt.Sprintf("%s %s %d", modeString(f), f.Path, f.Layer))
	}
	want := []string{"drwxr-xr-x /a 1", "drwxr-xr-x /b 1", "-rwxr-xr-x /b/new 2", "-rwsr-xr-x /c 2",
		"-rw------- /keep 1", "lrwxrwxrwx /l 2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("merged tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	stored, err := LayerFiles(img, 2)
	noErr(t, err)
	if len(stored) != 5 || stored[0].Path != "/a/.wh.x" {
		t.Errorf("layer 2 as stored: %+v, want its 5 entries, whiteouts included, in tar order", stored)
	}
	if _, err := LayerFiles(img, 3); err == nil || !strings.Contains(err.Error(), "layers 1 to 2") {
		t.Errorf("layer 3 of 2: %v, want an error naming the layers there are", err)
	}
}

// TestTreeVerifies: a layer whose bytes are not the ones its manifest
// names is an error, and nothing from it is returned.
func TestTreeVerifies(t *testing.T) {
	good := tarLayer(t, ent{name: "f", data: "good", mode: 0o644})
	img := image(t, nil, good)
	forged := image(t, nil, tarLayer(t, ent{name: "f", data: "evil", mode: 0o644}))
	swapped := swapLayers{Image: img, by: forged}
	files, err := Tree(swapped)
	if err == nil || !strings.Contains(err.Error(), "manifest says") {
		t.Fatalf("tree of an image serving other bytes: %v, %v; want a digest error", files, err)
	}
	if files != nil {
		t.Errorf("a failed read returned %v", files)
	}
}
