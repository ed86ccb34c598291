package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lading-dev/lading"

// allowed lists, for each package of ours, which of our packages it may
// import: data flows cmd → builder → {manifest, layer, registry}, and layer
// knows nothing of the others (STYLE.md, rule 1).
var allowed = map[string][]string{
	"layer":      {},
	"manifest":   {"layer"},
	"registry":   {"layer", "manifest"},
	"builder":    {"layer", "manifest", "registry"},
	"cmd/lading": {"layer", "manifest", "registry", "builder"},
}

// TestImportDirection fails when an import of ours points the wrong way.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		checkImports(t, strings.TrimPrefix(p.ImportPath, module+"/"), p.Imports)
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
