package attest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// goSum reads the module's go.sum into "path version" -> "h1:...".
func goSum(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 3 && !strings.HasSuffix(fields[1], "/go.mod") {
			sums[fields[0]+" "+fields[1]] = fields[2]
		}
	}
	return sums
}

// buildProgram builds a small program of this module that links two of
// its dependencies. (A test binary would not do: go test records no
// dependencies in it.) Only the two small packages are compiled.
func buildProgram(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	err := os.WriteFile(src, []byte(`package main

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

func main() { fmt.Println(common.SHA256, v1.Hash{}) }
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "prog")
	cmd := exec.Command("go", "build", "-o", exe, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// TestGoBinaryInfoReal reads the build info of a real Go binary and finds
// the modules go.sum pins, with their sums, in its SBOM.
func TestGoBinaryInfoReal(t *testing.T) {
	g, ok, err := GoBinaryInfo(buildProgram(t), "/usr/bin/prog")
	if err != nil || !ok {
		t.Fatalf("GoBinaryInfo(Go program) = %v, %v", ok, err)
	}
	if g.Path != "/usr/bin/prog" || g.GoVersion != runtime.Version() {
		t.Errorf("GoBinaryInfo = %+v", g)
	}
	sums := goSum(t)
	found := map[string]bool{}
	for _, d := range g.Deps {
		if want := sums[d.Path+" "+d.Version]; want != d.Sum {
			t.Errorf("module %s %s has sum %q, go.sum says %q", d.Path, d.Version, d.Sum, want)
		}
		found[d.Path] = true
	}
	for _, m := range []string{"github.com/spdx/tools-golang", "github.com/google/go-containerregistry"} {
		if !found[m] {
			t.Errorf("the test binary's modules lack %s: %+v", m, g.Deps)
		}
	}

	img := Image{Name: "image", Digest: hashOf("img"), Platform: "linux/amd64",
		Files: []File{fileOf("/usr/bin/prog", "go", "exe")}, Go: []GoBinary{*g}}
	raw, err := SBOM(img, epoch, "v1")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Packages []struct {
			Name, VersionInfo string
			ExternalRefs      []struct{ ReferenceType, ReferenceLocator string }
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	locators := map[string]bool{}
	for _, p := range doc.Packages {
		for _, r := range p.ExternalRefs {
			locators[r.ReferenceType+" "+r.ReferenceLocator] = true
		}
	}
	for _, d := range g.Deps {
		if !locators["purl "+goModulePURL(d.Path, d.Version)] || !locators["go-module-sum "+d.Sum] {
			t.Errorf("the SBOM lacks module %s %s (%s)", d.Path, d.Version, d.Sum)
		}
	}
}

// TestGoBinaryInfoNotGo: files that are not Go executables are not
// errors, and a file that cannot be read is.
func TestGoBinaryInfoNotGo(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"empty":     nil,
		"short":     []byte("#!"),
		"script":    []byte("#!/bin/sh\necho hi\n"),
		"broken":    append([]byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0}, 100)...),
		"pe-header": []byte("MZ this is not a PE file at all"),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o755); err != nil {
			t.Fatal(err)
		}
		if g, ok, err := GoBinaryInfo(path, "/x"); g != nil || ok || err != nil {
			t.Errorf("GoBinaryInfo(%s) = %v, %v, %v; want not Go, no error", name, g, ok, err)
		}
	}
	if _, _, err := GoBinaryInfo(filepath.Join(dir, "missing"), "/x"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("GoBinaryInfo(missing file) error = %v, want one naming the file", err)
	}
}
