package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/manifest"
)

// TestVersionFlag: lading --version prints what lading version does.
func TestVersionFlag(t *testing.T) {
	_, want, _ := runLading(t, t.TempDir(), "version")
	code, got, _ := runLading(t, t.TempDir(), "--version")
	if code != exitOK || got != want || !strings.HasPrefix(got, "lading ") {
		t.Fatalf("--version: exit %d, %q; want %q", code, got, want)
	}
}

// TestHelpCommand: lading help COMMAND prints what lading COMMAND --help does.
func TestHelpCommand(t *testing.T) {
	for _, name := range []string{"build", "push", "inspect", "cache"} {
		_, want, _ := runLading(t, t.TempDir(), name, "--help")
		code, got, _ := runLading(t, t.TempDir(), "help", name)
		if code != exitOK || got != want || !strings.Contains(got, "lading "+name) {
			t.Errorf("help %s: exit %d, %q; want %q", name, code, got, want)
		}
	}
}

// TestCommandNamesRun: every name commandNames suggests is a command run
// knows, so a suggestion never names a command that does not exist.
func TestCommandNamesRun(t *testing.T) {
	for _, name := range commandNames(commands()) {
		if code, _, stderr := runLading(t, t.TempDir(), name, "--help"); code != exitOK {
			t.Errorf("%s --help: exit %d, %s", name, code, stderr)
		}
	}
}

// TestDidYouMean: a mistyped command or long flag gets the closest real
// one, and the usage hint names the command that failed.
func TestDidYouMean(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"biuld"}, []string{`unknown command "biuld": did you mean build?`, "Run 'lading help' for usage."}},
		{[]string{"inspcet", "x"}, []string{"did you mean inspect?"}},
		{[]string{"help", "biuld"}, []string{"did you mean build?"}},
		{[]string{"build", "--oci-layot", "out"}, []string{"unknown flag: --oci-layot; did you mean --oci-layout?", "Run 'lading build --help' for usage."}},
		{[]string{"push", "--metadta-file", "x"}, []string{"did you mean --metadata-file?", "Run 'lading push --help' for usage."}},
		{[]string{"build", "--zzzzzz"}, []string{"unknown flag: --zzzzzz\n"}},
		{[]string{"ls"}, []string{"Run 'lading ls --help' for usage."}},
	} {
		code, _, stderr := runLading(t, t.TempDir(), tc.args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", tc.args, code, exitUsage)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, stderr, w)
			}
		}
		if strings.Contains(stderr, "COMMAND") {
			t.Errorf("%v: stderr %q names no real command", tc.args, stderr)
		}
	}
}

// TestEditDistance pins the distance the suggestions use.
func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"build", "build", 0}, {"biuld", "build", 1}, {"buil", "build", 1}, {"", "ls", 2}, {"push", "pull", 2}} {
		if got := manifest.EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestMetadataSchemaVersion: the --metadata-file document opens with its
// schema version and carries what README documents per image and layer.
func TestMetadataSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "tree", "a.txt"), "a")
	code, stdout, stderr := runLading(t, dir, "build", "-q", "--add", filepath.Join(dir, "tree")+":/srv", "--source-date-epoch", "0",
		"--oci-layout", filepath.Join(dir, "out"), "--metadata-file", "-")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "{\n  \"schemaVersion\": 1,\n") {
		t.Errorf("metadata does not open with schemaVersion 1:\n%s", stdout)
	}
	var meta struct {
		Manifests []struct {
			Platform, Digest, Config string
			Layers                   []map[string]any
		}
	}
	noErr(t, json.Unmarshal([]byte(stdout), &meta))
	if len(meta.Manifests) != 1 || meta.Manifests[0].Config == "" || meta.Manifests[0].Platform == "" || len(meta.Manifests[0].Layers) != 1 {
		t.Fatalf("manifests %+v: want one with platform, config and one layer", meta.Manifests)
	}
	for _, k := range []string{"name", "digest", "diffID", "size", "cached"} {
		if _, ok := meta.Manifests[0].Layers[0][k]; !ok {
			t.Errorf("layer %v lacks %q", meta.Manifests[0].Layers[0], k)
		}
	}
}
