package attest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdxlib"
)

var epoch = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// fileOf makes a File whose digests are those of content.
func fileOf(path, layer, content string) File {
	s256 := sha256.Sum256([]byte(content))
	s1 := sha1.Sum([]byte(content))
	return File{Path: path, Layer: layer, Size: int64(len(content)),
		SHA256: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s256[:])}, SHA1: hex.EncodeToString(s1[:])}
}

func hashOf(s string) v1.Hash {
	sum := sha256.Sum256([]byte(s))
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// sampleImage is an image with a base, three files and a Go binary with a
// replaced module and a module replaced by a directory.
func sampleImage() Image {
	return Image{
		Name:     "registry.example:5000/team/app",
		Digest:   hashOf("image"),
		Platform: "linux/arm64/v8",
		Base:     &Base{Name: "gcr.io/distroless/static:nonroot", Digest: hashOf("base")},
		Files: []File{
			fileOf("/app/server", "go", "binary"),
			fileOf("/etc/app/config.yaml", "files", "key: value\n"),
			fileOf("/srv/www/index.html", "files", "<html>&</html>"),
		},
		Go: []GoBinary{{
			Path:      "/app/server",
			GoVersion: "go1.26.8 X:nocoverageredesign",
			Main:      Module{Path: "example.com/app", Version: "(devel)"},
			Deps: []Module{
				{Path: "github.com/BurntSushi/toml", Version: "v1.4.0", Sum: "h1:kuoIxZQy2WRRk1pttg9asf+WVv6tWQuBNVmK8+nqPr0="},
				{Path: "golang.org/x/sync", Version: "v0.22.0", Sum: "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
					Replace: &Module{Path: "example.com/fork/sync", Version: "v0.22.1", Sum: "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB="}},
				{Path: "example.com/local", Version: "v1.0.0", Replace: &Module{Path: "../local"}},
			},
		}},
	}
}

// goldenSBOM pins the SBOM of sampleImage: a change to tools-golang's
// encoding, or to ours, changes it and must be deliberate.
const goldenSBOM = "sha256:fbb1a4354e9a109d9a22b85014d8219b075c66e01a6da3f88c45e214a328a3f8"

func TestSBOMGolden(t *testing.T) {
	raw, err := SBOM(sampleImage(), epoch, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if got := hashOf(string(raw)).String(); got != goldenSBOM {
		t.Errorf("SBOM digest is %s, want %s; the document:\n%s", got, goldenSBOM, raw)
	}
}

// TestSBOMDeterministic: the same image, with its lists in any order,
// gives the same bytes.
func TestSBOMDeterministic(t *testing.T) {
	want, err := SBOM(sampleImage(), epoch, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		img := sampleImage()
		r := rand.New(rand.NewPCG(uint64(i), 1))
		r.Shuffle(len(img.Files), func(a, b int) { img.Files[a], img.Files[b] = img.Files[b], img.Files[a] })
		deps := img.Go[0].Deps
		r.Shuffle(len(deps), func(a, b int) { deps[a], deps[b] = deps[b], deps[a] })
		got, err := SBOM(img, epoch, "v1.2.3")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("shuffle %d changed the SBOM:\n%s\nwant\n%s", i, got, want)
		}
	}
}

// TestSBOMValid reads the document back with tools-golang, runs its
// validator and checks what SPDX 2.3 requires that the validator does not.
func TestSBOMValid(t *testing.T) {
	raw, err := SBOM(sampleImage(), epoch, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("tools-golang cannot read the SBOM: %v", err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		t.Fatalf("tools-golang rejects the SBOM: %v", err)
	}
	checkSPDX23(t, doc)
	if doc.CreationInfo.Created != "2024-05-06T07:08:09Z" || doc.CreationInfo.Creators[0].Creator != "lading-v1.2.3" {
		t.Errorf("creation info %+v", doc.CreationInfo)
	}
}

var spdxIDPattern = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)

// checkSPDX23 checks the fields SPDX 2.3 makes mandatory (clauses 6-8, 11)
// and the rules that tie them together.
func checkSPDX23(t *testing.T, doc *spdx.Document) {
	t.Helper()
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXIdentifier != "DOCUMENT" ||
		doc.DocumentName == "" || !strings.HasPrefix(doc.DocumentNamespace, "https://") || doc.CreationInfo == nil ||
		len(doc.CreationInfo.Creators) == 0 || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(doc.CreationInfo.Created) {
		t.Errorf("document header is incomplete: %+v %+v", doc, doc.CreationInfo)
	}
	ids := map[string]bool{"DOCUMENT": true}
	addID := func(id string) {
		if !spdxIDPattern.MatchString(id) || ids[id] {
			t.Errorf("SPDX identifier %q is malformed or not unique", id)
		}
		ids[id] = true
	}
	contains := map[string][]string{}
	for _, r := range doc.Relationships {
		if r.Relationship == "CONTAINS" {
			contains[string(r.RefA.ElementRefID)] = append(contains[string(r.RefA.ElementRefID)], string(r.RefB.ElementRefID))
		}
	}
	sha1Of := map[string]string{}
	for _, f := range doc.Files {
		addID(string(f.FileSPDXIdentifier))
		var sha1s []string
		for _, c := range f.Checksums {
			if c.Algorithm == "SHA1" {
				sha1s = append(sha1s, c.Value)
			}
		}
		if !strings.HasPrefix(f.FileName, "./") || len(sha1s) != 1 {
			t.Errorf("file %s: name must start with ./ and it needs exactly one SHA1, has %v", f.FileName, sha1s)
		}
		if len(sha1s) > 0 {
			sha1Of[string(f.FileSPDXIdentifier)] = sha1s[0]
		}
	}
	for _, p := range doc.Packages {
		addID(string(p.PackageSPDXIdentifier))
		if p.PackageName == "" || p.PackageDownloadLocation == "" {
			t.Errorf("package %s lacks a name or a download location", p.PackageSPDXIdentifier)
		}
		files := contains[string(p.PackageSPDXIdentifier)]
		if !p.FilesAnalyzed && len(files) > 0 {
			t.Errorf("package %s contains files but says they were not analysed (clause 7.8)", p.PackageName)
		}
		if p.FilesAnalyzed {
			checkVerificationCode(t, p, files, sha1Of)
		}
	}
	for _, r := range doc.Relationships {
		if !ids[string(r.RefA.ElementRefID)] || !ids[string(r.RefB.ElementRefID)] {
			t.Errorf("relationship %s %s %s names an unknown element", r.RefA, r.Relationship, r.RefB)
		}
	}
}

// checkVerificationCode recomputes a package's verification code (clause
// 7.9.4) from its files' SHA1s.
func checkVerificationCode(t *testing.T, p *spdx.Package, files []string, sha1Of map[string]string) {
	t.Helper()
	var sums []string
	for _, f := range files {
		sums = append(sums, sha1Of[f])
	}
	slices.Sort(sums)
	want := sha1.Sum([]byte(strings.Join(sums, "")))
	if p.PackageVerificationCode == nil || p.PackageVerificationCode.Value != hex.EncodeToString(want[:]) {
		t.Errorf("package %s: verification code %+v, want %x", p.PackageName, p.PackageVerificationCode, want)
	}
}

// TestSBOMContent checks what the SBOM says about the sample image.
func TestSBOMContent(t *testing.T) {
	raw, err := SBOM(sampleImage(), epoch, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Packages []struct {
			Name, VersionInfo, Comment string
			ExternalRefs               []struct{ ReferenceCategory, ReferenceType, ReferenceLocator string }
			Checksums                  []any
		}
		Relationships []struct{ SpdxElementId, RelationshipType, RelatedSpdxElement string }
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	for _, p := range doc.Packages {
		if len(p.Checksums) > 0 {
			t.Errorf("package %s claims checksums %v; none of its hashes is a checksum of a package file", p.Name, p.Checksums)
		}
		for _, r := range p.ExternalRefs {
			refs[p.Name+" "+r.ReferenceType] = r.ReferenceLocator
		}
	}
	want := map[string]string{
		"registry.example:5000/team/app purl":      "pkg:oci/app@sha256%3A" + hashOf("image").Hex + "?arch=arm64&repository_url=registry.example%3A5000/team/app",
		"gcr.io/distroless/static:nonroot purl":    "pkg:oci/static@sha256%3A" + hashOf("base").Hex + "?repository_url=gcr.io/distroless/static&tag=nonroot",
		"example.com/app purl":                     "pkg:golang/example.com/app",
		"github.com/BurntSushi/toml purl":          "pkg:golang/github.com/BurntSushi/toml@v1.4.0",
		"github.com/BurntSushi/toml go-module-sum": "h1:kuoIxZQy2WRRk1pttg9asf+WVv6tWQuBNVmK8+nqPr0=",
		"example.com/fork/sync purl":               "pkg:golang/example.com/fork/sync@v0.22.1",
		"example.com/fork/sync go-module-sum":      "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=",
		"example.com/local purl":                   "pkg:golang/example.com/local",
		"stdlib purl":                              "pkg:golang/stdlib@1.26.8",
	}
	for k, v := range want {
		if refs[k] != v {
			t.Errorf("%s is %q, want %q", k, refs[k], v)
		}
	}
	if len(refs) != len(want) {
		t.Errorf("external references %v, want exactly %v", refs, want)
	}
	rels := map[string]int{}
	for _, r := range doc.Relationships {
		rels[r.RelationshipType]++
	}
	if fmt.Sprint(rels) != "map[CONTAINS:3 DESCENDANT_OF:1 DESCRIBES:1 GENERATED_FROM:1 STATIC_LINK:4]" {
		t.Errorf("relationships by type: %v", rels)
	}
}

func TestSBOMRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Image)
		want string
	}{
		"duplicate path": {func(i *Image) { i.Files = append(i.Files, fileOf("/app/server", "run", "other")) }, "listed twice"},
		"no SHA-1":       {func(i *Image) { i.Files[1].SHA1 = "" }, "SPDX 2.3 requires one"},
		"relative path":  {func(i *Image) { i.Files[1].Path = "etc/x" }, "not absolute"},
		"stray binary":   {func(i *Image) { i.Go[0].Path = "/bin/gone" }, "not among the image's files"},
		"no digest":      {func(i *Image) { i.Digest = v1.Hash{} }, "not a sha256 digest"},
		"base digest":    {func(i *Image) { i.Base.Digest = v1.Hash{} }, "base gcr.io/distroless/static:nonroot"},
	} {
		t.Run(name, func(t *testing.T) {
			img := sampleImage()
			tc.edit(&img)
			if _, err := SBOM(img, epoch, "v1"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestSBOMScratchNoFiles: an image of scratch with nothing lading placed
// has no base package and an image package without analysed files.
func TestSBOMScratchNoFiles(t *testing.T) {
	raw, err := SBOM(Image{Name: "image", Digest: hashOf("x"), Platform: "linux/amd64"}, epoch, "v1")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	checkSPDX23(t, doc)
	if len(doc.Packages) != 1 || doc.Packages[0].FilesAnalyzed || len(doc.Relationships) != 1 {
		t.Errorf("scratch image SBOM: %s", raw)
	}
	// An untagged image has no repository: its purl says so.
	refs := doc.Packages[0].PackageExternalReferences
	if len(refs) != 1 || refs[0].Locator != "pkg:oci/image@sha256%3A"+hashOf("x").Hex+"?arch=amd64" {
		t.Errorf("untagged image references %+v", refs)
	}
}
