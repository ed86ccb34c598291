package main

import (
	"path/filepath"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// TestPortSameFromSpecAndFlag: 8080 in a spec and --expose 8080 give the
// same config, "8080/tcp" as Docker writes it (issue #9).
func TestPortSameFromSpecAndFlag(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "a.txt"), "a")
	add := filepath.Join(dir, "a.txt") + ":/a.txt"
	spec := filepath.Join(dir, "spec.yaml")
	putFile(t, spec, "layers:\n  - name: a\n    files: {src: ./a.txt, dest: /a.txt}\nconfig:\n  exposedPorts: [\"8080\", \"53/UDP\"]\n")
	buildOK(t, dir, "-f", spec, "--oci-layout", filepath.Join(dir, "spec"))
	buildOK(t, dir, "--add", add, "--expose", "8080", "--expose", "53/udp", "--oci-layout", filepath.Join(dir, "flag"))
	want := map[string]struct{}{"8080/tcp": {}, "53/udp": {}}
	for _, out := range []string{"spec", "flag"} {
		if got := exposedPorts(t, filepath.Join(dir, out)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ExposedPorts = %v, want %v", out, got, want)
		}
	}
}

// exposedPorts reads the config's ExposedPorts of the image in layout dir.
func exposedPorts(t *testing.T, dir string) map[string]struct{} {
	t.Helper()
	a, err := oci.OpenLayout(dir, "")
	noErr(t, err)
	cf, err := a.(v1.Image).ConfigFile()
	noErr(t, err)
	return cf.Config.ExposedPorts
}
