package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/registry/oci"
)

// TestLayoutSelectedByItsTag: a layout lading wrote with -t is selected by
// the full reference it stored, or by the bare tag, as a --base and as
// lading push's SRC; and --oci-layout DIR:REF splits at DIR's end, not
// inside REF (issue #9).
func TestLayoutSelectedByItsTag(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "a.txt"), "a")
	add := filepath.Join(dir, "tree") + ":/a"
	base := filepath.Join(dir, "base")
	buildOK(t, dir, "--add", add, "-t", "example.com/web/server:v1", "--oci-layout", base)
	for i, sel := range []string{"example.com/web/server:v1", "v1"} {
		out := filepath.Join(dir, fmt.Sprint("out", i))
		buildOK(t, dir, "--base", "oci-layout:"+base+":"+sel, "--add", add, "--oci-layout", out+":example.com/a:v2")
		if _, err := oci.OpenLayout(out, "example.com/a:v2"); err != nil {
			t.Errorf("--oci-layout %s:example.com/a:v2: %v", out, err)
		}
		if code, stdout, stderr := runLading(t, dir, "push", "-q", "oci-layout:"+base+":"+sel, host+"/pushed/server:v1"); code != 0 {
			t.Errorf("push oci-layout:%s:%s: exit %d, stdout %q\n%s", base, sel, code, stdout, stderr)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*:*")); len(left) != 0 {
		t.Errorf("a colon in --oci-layout's REF made directories %v", left)
	}
}

// buildOK runs lading build -q with epoch 0 in process, failing on error.
func buildOK(t *testing.T, dir string, args ...string) {
	t.Helper()
	args = append([]string{"build", "-q", "--source-date-epoch", "0"}, args...)
	if code, _, stderr := runLading(t, dir, args...); code != 0 {
		t.Fatalf("lading %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
}
