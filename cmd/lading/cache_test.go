package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cacheProject writes a spec with two files layers and a run layer with
// inputs whose command counts its runs in runs.log.
func cacheProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "a", "one.txt"), "layer a\n")
	putFile(t, filepath.Join(dir, "b", "two.txt"), "layer b\n")
	putFile(t, filepath.Join(dir, "gen.txt"), "generated from this\n")
	putFile(t, filepath.Join(dir, "lading.yaml"), `layers:
  - name: a
    files: {src: ./a, dest: /a}
  - name: b
    files: {src: ./b, dest: /b}
  - name: gen
    run:
      command: ["sh", "-c", "echo ran >> runs.log && cp gen.txt \"$OUT/\""]
      inputs: ["gen.txt"]
      dest: /gen
`)
	return dir
}

// cachedBuild builds the project into a fresh oci-archive and returns the
// archive's bytes and the metadata file.
func cachedBuild(t *testing.T, dir string, extra ...string) ([]byte, buildMeta) {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"build", "-f", filepath.Join(dir, "lading.yaml"), "--source-date-epoch", "0",
		"--oci-archive", filepath.Join(out, "image.tar"), "--metadata-file", filepath.Join(out, "meta.json")}, extra...)
	code, stdout, stderr := runLading(t, dir, args...)
	if code != 0 {
		t.Fatalf("build: exit %d\n%s%s", code, stdout, stderr)
	}
	archive, err := os.ReadFile(filepath.Join(out, "image.tar"))
	noErr(t, err)
	raw, err := os.ReadFile(filepath.Join(out, "meta.json"))
	noErr(t, err)
	var m buildMeta
	noErr(t, json.Unmarshal(raw, &m))
	return archive, m
}

// buildMeta is the part of --metadata-file these tests read.
type buildMeta struct {
	Digest       string `json:"digest"`
	LayersPacked int    `json:"layersPacked"`
	Manifests    []struct {
		Layers []struct {
			Name        string `json:"name"`
			Cached      bool   `json:"cached"`
			CacheSource string `json:"cacheSource"`
		} `json:"layers"`
	} `json:"manifests"`
}

// cachedNames lists the cached layers' names, in image order.
func (m buildMeta) cachedNames() string {
	var names []string
	for _, l := range m.Manifests[0].Layers {
		if l.Cached {
			names = append(names, l.Name)
		}
	}
	return strings.Join(names, ",")
}

func runCount(t *testing.T, dir string) int {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "runs.log"))
	return strings.Count(string(b), "ran\n")
}

// TestRebuildIsCached: issue 10, done-when 1. A second build of an
// unchanged spec packs nothing and writes the same bytes; changing one
// file of one layer repacks only that layer; a run layer with inputs runs
// again only when an input changed.
func TestRebuildIsCached(t *testing.T) {
	dir := cacheProject(t)
	first, m1 := cachedBuild(t, dir)
	if m1.LayersPacked != 3 || m1.cachedNames() != "" || runCount(t, dir) != 1 {
		t.Fatalf("first build: packed %d, cached %q, runs %d; want 3, none, 1", m1.LayersPacked, m1.cachedNames(), runCount(t, dir))
	}
	second, m2 := cachedBuild(t, dir)
	if m2.LayersPacked != 0 || m2.cachedNames() != "a,b,gen" || runCount(t, dir) != 1 {
		t.Errorf("unchanged rebuild: packed %d, cached %q, runs %d; want 0, a,b,gen, 1", m2.LayersPacked, m2.cachedNames(), runCount(t, dir))
	}
	if !bytes.Equal(first, second) {
		t.Errorf("the cached rebuild wrote different bytes")
	}
	putFile(t, filepath.Join(dir, "a", "one.txt"), "layer A\n") // same size, other bytes
	_, m3 := cachedBuild(t, dir)
	if m3.LayersPacked != 1 || m3.cachedNames() != "b,gen" || m3.Digest == m1.Digest || runCount(t, dir) != 1 {
		t.Errorf("after editing a file of layer a: packed %d, cached %q, runs %d; want 1, b,gen, 1", m3.LayersPacked, m3.cachedNames(), runCount(t, dir))
	}
	putFile(t, filepath.Join(dir, "gen.txt"), "generated from that\n")
	_, m4 := cachedBuild(t, dir)
	if m4.LayersPacked != 1 || m4.cachedNames() != "a,b" || runCount(t, dir) != 2 {
		t.Errorf("after editing the run layer's input: packed %d, cached %q, runs %d; want 1, a,b, 2", m4.LayersPacked, m4.cachedNames(), runCount(t, dir))
	}
	_, m5 := cachedBuild(t, dir, "--no-cache")
	if m5.LayersPacked != 3 || m5.Digest != m4.Digest || runCount(t, dir) != 3 {
		t.Errorf("--no-cache: packed %d, runs %d, digest %s; want 3, 3, %s", m5.LayersPacked, runCount(t, dir), m5.Digest, m4.Digest)
	}
}

// TestCorruptCacheNeverLies: issue 10, done-when 2. Between two builds
// sharing a cache, a corrupter deletes and truncates entries, blobs, kept
// outputs and the file-digest record; the second build still makes the
// image a build without any cache makes.
func TestCorruptCacheNeverLies(t *testing.T) {
	dir := cacheProject(t)
	_, m1 := cachedBuild(t, dir)
	corruptCache(t, filepath.Join(dir, ".cache", "lading", "layers"))
	_, m2 := cachedBuild(t, dir)
	_, fresh := cachedBuild(t, dir, "--no-cache")
	if m2.Digest != m1.Digest || fresh.Digest != m1.Digest {
		t.Fatalf("digests: first %s, after corruption %s, without cache %s; want all equal", m1.Digest, m2.Digest, fresh.Digest)
	}
	if m2.LayersPacked == 0 {
		t.Errorf("after corruption nothing was repacked: a corrupt entry was used")
	}
}

// corruptCache damages every other file under dir: truncates blobs and key
// files, deletes others, and scrambles the digest record.
func corruptCache(t *testing.T, dir string) {
	t.Helper()
	i := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		i++
		switch {
		case filepath.Base(p) == "sums":
			return os.WriteFile(p, []byte("1 2 3 4 5 "+strings.Repeat("ab", 32)+"\ngarbage\n"), 0o644)
		case i%3 == 0:
			return os.Remove(p)
		case i%3 == 1:
			return os.Truncate(p, 1)
		}
		return nil
	})
	noErr(t, err)
	if i < 4 {
		t.Fatalf("the cache holds only %d files: nothing to corrupt", i)
	}
}
