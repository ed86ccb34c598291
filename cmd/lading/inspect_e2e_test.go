package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// inspectSource is one source of the same image, as lading and skopeo
// name it.
type inspectSource struct{ lading, skopeo string }

// TestInspectE2E is issue 11's "Done when" point 2 and 3: inspect, ls and
// diff read one image from a layout, an oci-archive, a docker-archive and
// a registry (ggcr's, in process, on loopback); inspect agrees with
// skopeo inspect on digests and layers, ls with umoci unpack on paths and
// modes; diff of two builds of one input is empty with exit 0, and with
// one file's mode changed names that file, its layer and both modes and
// exits 1.
func TestInspectE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("runs skopeo and umoci; skipped under -short")
	}
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	putTree(t, tree)
	one := buildForInspect(t, tree, filepath.Join(dir, "one"))
	_, host := inProcessRegistry(t)
	ref := host + "/e2e/inspect:v1"
	ladingOK(t, "push", "-q", one[0].lading, ref)
	sources := append(one, inspectSource{ref, "docker://" + ref})
	t.Run("skopeo", func(t *testing.T) {
		for _, s := range sources {
			checkInspectSkopeo(t, s)
		}
	})
	t.Run("umoci", func(t *testing.T) { checkLsUmoci(t, one[0], sources) })
	t.Run("diff", func(t *testing.T) { checkDiffE2E(t, dir, tree, one, ref) })
}

// putTree writes a small tree: a dir, an executable, a plain file and a
// relative symlink.
func putTree(t *testing.T, root string) {
	putFile(t, filepath.Join(root, "bin", "tool"), "#!/bin/sh\necho tool\n")
	noErr(t, os.Chmod(filepath.Join(root, "bin", "tool"), 0o755))
	putFile(t, filepath.Join(root, "etc", "app.conf"), "port=8080\n")
	noErr(t, os.Symlink("../etc/app.conf", filepath.Join(root, "bin", "conf")))
}

// buildForInspect builds tree into a layout, an oci-archive and a
// docker-archive under out, and names them as lading and skopeo do.
func buildForInspect(t *testing.T, tree, out string) []inspectSource {
	layout, oa, da := filepath.Join(out, "layout"), filepath.Join(out, "app.oci.tar"), filepath.Join(out, "app.docker.tar")
	ladingOK(t, "build", "-q", "--add", tree+":/app", "--env", "A=1", "-t", "example.com/e2e/inspect:v1",
		"--source-date-epoch", "1700000000", "--oci-layout", layout+":v1", "--oci-archive", oa+":v1", "--docker-archive", da)
	return []inspectSource{
		{"oci-layout:" + layout + ":v1", "oci:" + layout + ":v1"},
		{"oci-archive:" + oa + ":v1", "oci-archive:" + oa + ":v1"},
		{"docker-archive:" + da, "docker-archive:" + da},
	}
}

// checkInspectSkopeo compares lading inspect --json with skopeo inspect:
// the digest and layer digests; for a docker-archive, which skopeo
// presents by diffID and with a manifest of its own, the diffIDs.
func checkInspectSkopeo(t *testing.T, s inspectSource) {
	var got struct {
		Digest string
		Layers []struct{ Digest, DiffID string }
	}
	noErr(t, json.Unmarshal([]byte(ladingOK(t, "inspect", "--json", s.lading)), &got))
	var want skopeoInspect
	noErr(t, json.Unmarshal([]byte(runTool(t, "skopeo", "inspect", "--tls-verify=false", s.skopeo)), &want))
	docker := strings.HasPrefix(s.lading, "docker-archive:")
	var layers []string
	for _, l := range got.Layers {
		layers = append(layers, map[bool]string{false: l.Digest, true: l.DiffID}[docker])
	}
	if !slices.Equal(layers, want.Layers) || (!docker && got.Digest != want.Digest) {
		t.Errorf("%s: lading inspect says %s with layers %v; skopeo inspect %s says %s with %v",
			s.lading, got.Digest, layers, s.skopeo, want.Digest, want.Layers)
	}
}

// checkLsUmoci compares lading ls of every source with the tree umoci
// unpacks from the layout: the same paths with the same types and modes.
func checkLsUmoci(t *testing.T, layout inspectSource, sources []inspectSource) {
	bundle := filepath.Join(t.TempDir(), "bundle")
	args := []string{"unpack", "--image", strings.TrimPrefix(layout.skopeo, "oci:"), bundle}
	if os.Geteuid() != 0 {
		args = append(args, "--rootless")
	}
	runTool(t, "umoci", args...)
	want := unpackedModes(t, filepath.Join(bundle, "rootfs"))
	for _, s := range sources {
		var files []struct {
			Path, Type string
			Mode       int64
		}
		noErr(t, json.Unmarshal([]byte(ladingOK(t, "ls", "--json", s.lading)), &files))
		got := map[string]string{}
		for _, f := range files {
			got[f.Path] = fmt.Sprintf("%s %04o", f.Type, f.Mode)
		}
		diffTrees(t, want, got)
	}
}

// unpackedModes maps each path below rootfs to its type and mode, named
// as lading ls --json names them.
func unpackedModes(t *testing.T, rootfs string) map[string]string {
	out := map[string]string{}
	noErr(t, filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == rootfs {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		typ := map[fs.FileMode]string{0: "file", fs.ModeDir: "dir", fs.ModeSymlink: "symlink"}[info.Mode().Type()]
		out["/"+filepath.ToSlash(strings.TrimPrefix(p, rootfs+"/"))] = fmt.Sprintf("%s %04o", typ, info.Mode().Perm())
		return nil
	}))
	return out
}

// checkDiffE2E: a second build of the same tree diffs empty with exit 0
// from every kind of source; with bin/tool's mode changed, diff names
// the file, the layer and both modes, and exits 1.
func checkDiffE2E(t *testing.T, dir, tree string, one []inspectSource, ref string) {
	two := buildForInspect(t, tree, filepath.Join(dir, "two"))
	for i := range one {
		if code, out, stderr := ladingRun(t, "", nil, "", "diff", one[i].lading, two[i].lading); code != 0 || out != "" {
			t.Errorf("diff of two builds of one tree (%s): exit %d\n%s%s", one[i].lading, code, out, stderr)
		}
	}
	noErr(t, os.Chmod(filepath.Join(tree, "bin", "tool"), 0o644))
	three := buildForInspect(t, tree, filepath.Join(dir, "three"))
	want := "layer 1: /app/bin/tool: mode 0755 → 0644\n"
	for _, pair := range [][2]string{{one[0].lading, three[0].lading}, {one[1].lading, three[1].lading},
		{one[2].lading, three[2].lading}, {ref, three[0].lading}} {
		code, out, stderr := ladingRun(t, "", nil, "", "diff", pair[0], pair[1])
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("diff %s %s: exit %d\n%s%s\nwant exit 1 and %q", pair[0], pair[1], code, out, stderr, want)
		}
	}
}
