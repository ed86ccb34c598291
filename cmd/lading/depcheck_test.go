package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/lading-dev/lading"

// allowed lists, for each package of ours, which of our packages it may
// import: data flows cmd → builder → {manifest, layer, registry}, and layer
// knows nothing of the others (STYLE.md, rule 1). Inside registry, the
// network (registry) builds on the local formats (registry/oci), never the
// other way; the spec language (builder/spec) builds on builder, whose only
// way in from a spec is the Request it returns. Signing (builder/sign)
// knows keys and cosign's formats and nothing else of ours: builder and
// cmd/lading call it, it calls none of ours. Attestations (builder/attest)
// are documents made from values: builder and cmd/lading call it, and it
// uses manifest's reference parser at most.
var allowed = map[string][]string{
	"layer/atomicfile":   {},
	"layer":              {"layer/atomicfile"},
	"layer/cache":        {"layer", "layer/atomicfile"},
	"manifest":           {"layer"},
	"registry/oci":       {"layer", "layer/atomicfile", "manifest"},
	"registry":           {"layer", "layer/atomicfile", "manifest", "registry/oci"},
	"registry/cacherepo": {"layer", "registry", "registry/oci"},
	"registry/inspect":   {"layer", "registry/oci"},
	"builder":            {"layer", "layer/atomicfile", "layer/cache", "manifest", "registry", "registry/oci", "builder/attest", "builder/sign"},
	"builder/attest":     {"manifest"},
	"builder/sign":       {},
	"builder/spec":       {"layer", "manifest", "registry/oci", "builder"},
	"builder/progress":   {},
	"cmd/lading":         {"builder/progress", "layer", "layer/atomicfile", "layer/cache", "manifest", "registry", "registry/cacherepo", "registry/inspect", "registry/oci", "builder", "builder/attest", "builder/sign", "builder/spec"},

	// Test support (a fault-injecting proxy): tests import it, code never.
	"registry/faultproxy": {},
}

// maxFiles is the most non-test .go files a package may hold before it is
// split by vocabulary (issue 8; STYLE.md, rule 14).
const maxFiles = 25

// goPackage is what go list says of one of our packages.
type goPackage struct {
	ImportPath string
	Imports    []string
	GoFiles    []string
}

// ourPackages lists every package of the module, by path below it.
func ourPackages(t *testing.T) map[string]goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]goPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module+"/")] = p
	}
}

// TestImportDirection fails when an import of ours points the wrong way.
func TestImportDirection(t *testing.T) {
	for name, p := range ourPackages(t) {
		checkImports(t, name, p.Imports)
	}
}

// TestFloorPlan fails when a package outgrows maxFiles, or when README's
// "Layout of the code" table and the packages disagree.
func TestFloorPlan(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	noErr(t, err)
	table := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z/]+?)/?` \\|").FindAllStringSubmatch(string(readme), -1) {
		table[m[1]] = true
	}
	for name, p := range ourPackages(t) {
		if strings.HasPrefix(name, "testdata/") {
			continue
		}
		if n := len(p.GoFiles); n > maxFiles {
			t.Errorf("package %s has %d non-test .go files (at most %d): split it by vocabulary", name, n, maxFiles)
		}
		if !table[name] {
			t.Errorf("package %s is missing from README's \"Layout of the code\" table", name)
		}
		delete(table, name)
	}
	for name := range table {
		t.Errorf("README's \"Layout of the code\" table lists %s, which is not a package", name)
	}
}

func checkImports(t *testing.T, pkg string, imports []string) {
	t.Helper()
	ok, known := allowed[pkg]
	if !known {
		t.Errorf("package %s is not in the dependency map; add it with its allowed imports", pkg)
		return
	}
	for _, imp := range imports {
		ours, isOurs := strings.CutPrefix(imp, module+"/")
		if !isOurs {
			continue
		}
		if !contains(ok, ours) {
			t.Errorf("%s imports %s: data flows cmd → builder → {manifest, layer, registry}", pkg, ours)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
