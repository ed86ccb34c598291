package attest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func sampleProvenance() Provenance {
	return Provenance{
		Subjects: []Subject{
			{Name: "registry.example/app", Digest: hashOf("amd64")},
			{Name: "registry.example/app", Digest: hashOf("arm64")},
			{Name: "registry.example/app", Digest: hashOf("index")},
		},
		LadingVersion: "v1.2.3",
		SpecPath:      "deploy/lading.yaml",
		SpecDigest:    hashOf("spec"),
		Platforms:     []string{"linux/arm64", "linux/amd64"},
		Tags:          []string{"registry.example/app:v1", "registry.example/app:latest"},
		Base:          "gcr.io/distroless/static:nonroot",
		GitCommit:     "0123456789abcdef0123456789abcdef01234567",
		GitRemote:     "https://github.com/example/app.git",
		GitDirty:      true,
		Bases: []Base{
			{Name: "gcr.io/distroless/static:nonroot", Digest: hashOf("base-amd64")},
			{Name: "gcr.io/distroless/static:nonroot", Digest: hashOf("base-arm64")},
		},
		GoVersion: "go1.26.8",
		Epoch:     epoch,
	}
}

// goldenProvenance pins sampleProvenance's statement.
const goldenProvenance = "sha256:0b47d6d10f9fa8d9bcaa74f3ebc6126dbe72d72b51f97784903db9300638523d"

func TestProvenanceGolden(t *testing.T) {
	raw, err := ProvenanceStatement(sampleProvenance())
	if err != nil {
		t.Fatal(err)
	}
	if got := hashOf(string(raw)).String(); got != goldenProvenance {
		t.Errorf("statement digest is %s, want %s; the statement:\n%s", got, goldenProvenance, raw)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil || !bytes.Equal(compact.Bytes(), raw) {
		t.Errorf("statement is not compact JSON (%v): %s", err, raw)
	}
}

// TestProvenanceDeterministic: the same provenance, with subjects and bases
// found in another order, gives the same bytes, every time.
func TestProvenanceDeterministic(t *testing.T) {
	want, err := ProvenanceStatement(sampleProvenance())
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		p := sampleProvenance()
		p.Subjects[0], p.Subjects[2] = p.Subjects[2], p.Subjects[0]
		p.Bases[0], p.Bases[1] = p.Bases[1], p.Bases[0]
		p.Bases = append(p.Bases, p.Bases[0])
		got, err := ProvenanceStatement(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("statement changed:\n%s\nwant\n%s", got, want)
		}
	}
}

func TestProvenanceRoundTrip(t *testing.T) {
	for name, p := range map[string]Provenance{
		"full": sampleProvenance(),
		"bare": {
			Subjects:      []Subject{{Name: "image", Digest: hashOf("x")}},
			LadingVersion: "(devel)",
			Platforms:     []string{"linux/amd64"},
			Epoch:         epoch,
		},
		"local path remote": {
			Subjects:      []Subject{{Name: "image", Digest: hashOf("x")}},
			LadingVersion: "(devel)",
			Platforms:     []string{"linux/amd64"},
			Epoch:         epoch,
			GitCommit:     strings.Repeat("ab", 20), GitRemote: "/srv/git/app",
		},
		"zstd at level 19": {
			Subjects:      []Subject{{Name: "image", Digest: hashOf("x")}},
			LadingVersion: "(devel)",
			Platforms:     []string{"linux/amd64"},
			Epoch:         epoch,
			Compression:   "zstd", CompressionLevel: 19,
		},
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := ProvenanceStatement(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseProvenance(raw)
			if err != nil {
				t.Fatal(err)
			}
			// Subjects and bases come back sorted.
			slices.SortFunc(p.Subjects, compareSubjects)
			slices.SortFunc(p.Bases, func(a, b Base) int { return strings.Compare(a.Digest.Hex, b.Digest.Hex) })
			if !reflect.DeepEqual(*got, p) {
				t.Errorf("ParseProvenance gave\n%+v\nwant\n%+v", *got, p)
			}
		})
	}
}

// TestProvenanceStatementShape checks the statement against the in-toto
// library and the SLSA fields a verifier reads.
func TestProvenanceStatementShape(t *testing.T) {
	raw, err := ProvenanceStatement(sampleProvenance())
	if err != nil {
		t.Fatal(err)
	}
	st := &intoto.Statement{}
	if err := protojson.Unmarshal(raw, st); err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil || st.PredicateType != PredicateSLSA1 || len(st.Subject) != 3 {
		t.Fatalf("statement %v: %s", err, raw)
	}
	var doc struct {
		Predicate struct {
			BuildDefinition struct {
				BuildType            string
				ResolvedDependencies []struct {
					URI, Name string
					Digest    map[string]string
				}
			}
			RunDetails struct {
				Builder  struct{ ID string }
				Metadata struct{ StartedOn, FinishedOn string }
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	bd, rd := doc.Predicate.BuildDefinition, doc.Predicate.RunDetails
	if bd.BuildType != BuildType || rd.Builder.ID != "https://github.com/lading-dev/lading@v1.2.3" ||
		rd.Metadata.StartedOn != "2024-05-06T07:08:09Z" || rd.Metadata.FinishedOn != rd.Metadata.StartedOn {
		t.Errorf("predicate %+v", doc.Predicate)
	}
	deps := bd.ResolvedDependencies
	if len(deps) != 4 || deps[0].URI != "git+https://github.com/example/app.git" || deps[0].Digest["gitCommit"] == "" ||
		deps[1].URI != "pkg:oci/static@sha256%3A"+deps[1].Digest["sha256"]+"?repository_url=gcr.io/distroless/static&tag=nonroot" ||
		deps[1].Name != "gcr.io/distroless/static:nonroot" ||
		deps[3].URI != "pkg:golang/stdlib@1.26.8" || deps[3].Name != "go1.26.8" {
		t.Errorf("resolved dependencies %+v", deps)
	}
}

func TestStripCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:tok@host/x.git":                    "https://host/x.git",
		"https://x-access-token:ghs_abc@github.com/o/r":  "https://github.com/o/r",
		"https://ghp_token@github.com/o/r.git":           "https://github.com/o/r.git",
		"http://u:p@host:8080":                           "http://host:8080",
		"https://host/x@y.git":                           "https://host/x@y.git",
		"ssh://git@github.com/o/r.git":                   "ssh://git@github.com/o/r.git",
		"ssh://git:secret@host:22/r.git":                 "ssh://git@host:22/r.git",
		"git+ssh://git@host/r.git":                       "git+ssh://git@host/r.git",
		"git@github.com:o/r.git":                         "git@github.com:o/r.git",
		"/srv/git/r.git":                                 "/srv/git/r.git",
		"gcr.io/distroless/static:nonroot":               "gcr.io/distroless/static:nonroot",
		"file:///srv/git/r.git":                          "file:///srv/git/r.git",
		"https://user:p%40ss@host/r.git?ref=main#anchor": "https://host/r.git?ref=main#anchor",
	} {
		if got := stripCredentials(in); got != want {
			t.Errorf("stripCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestProvenanceNoCredentials: a remote with a token is recorded without
// it.
func TestProvenanceNoCredentials(t *testing.T) {
	p := sampleProvenance()
	p.GitRemote = "https://x-access-token:ghs_SECRET@github.com/example/app.git"
	raw, err := ProvenanceStatement(p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("SECRET")) || bytes.Contains(raw, []byte("x-access-token")) {
		t.Fatalf("the statement records the credentials: %s", raw)
	}
	got, err := ParseProvenance(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.GitRemote != "https://github.com/example/app.git" {
		t.Errorf("remote read back as %q", got.GitRemote)
	}
}

func TestProvenanceStatementRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Provenance)
		want string
	}{
		"absolute spec": {func(p *Provenance) { p.SpecPath = "/home/me/app/lading.yaml" }, "is absolute"},
		"spec digest":   {func(p *Provenance) { p.SpecDigest = v1.Hash{} }, "spec deploy/lading.yaml has no sha256 digest"},
		"no version":    {func(p *Provenance) { p.LadingVersion = "" }, "lading version is empty"},
		"no subject":    {func(p *Provenance) { p.Subjects = nil }, "subject"},
		"base digest":   {func(p *Provenance) { p.Bases[1].Digest = v1.Hash{} }, "has no sha256 digest"},
		"short commit":  {func(p *Provenance) { p.GitCommit = "abc123" }, "not a full 40-digit SHA-1 commit id"},
	} {
		t.Run(name, func(t *testing.T) {
			p := sampleProvenance()
			tc.edit(&p)
			if _, err := ProvenanceStatement(p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestParseProvenanceRejects: statements lading did not write are refused
// with the field at fault named.
func TestParseProvenanceRejects(t *testing.T) {
	good, err := ProvenanceStatement(sampleProvenance())
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ old, new, want string }{
		"statement type": {`"_type":"https://in-toto.io/Statement/v1"`, `"_type":"https://in-toto.io/Statement/v2"`, "_type"},
		"predicate type": {`"predicateType":"https://slsa.dev/provenance/v1"`, `"predicateType":"https://slsa.dev/provenance/v0.2"`, "predicateType"},
		"build type":     {`"buildType":"` + BuildType + `"`, `"buildType":"https://example.com/other"`, "buildType"},
		"builder id":     {`"id":"https://github.com/lading-dev/lading@v1.2.3"`, `"id":"https://example.com/builder"`, "builder id"},
		"epoch":          {`"finishedOn":"2024-05-06T07:08:09Z"`, `"finishedOn":"2024-05-06T07:08:10Z"`, "finishedOn"},
		"not json":       {`{`, `[`, "read provenance statement"},
	} {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(string(good), tc.old, tc.new, 1)
			if bad == string(good) {
				t.Fatalf("%s is not in the statement", tc.old)
			}
			if _, err := ParseProvenance([]byte(bad)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestSBOMStatement(t *testing.T) {
	sbom, err := SBOM(sampleImage(), epoch, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := SBOMStatement("registry.example/app", hashOf("image"), sbom)
	if err != nil {
		t.Fatal(err)
	}
	again, err := SBOMStatement("registry.example/app", hashOf("image"), sbom)
	if err != nil || !bytes.Equal(raw, again) {
		t.Fatalf("SBOM statement is not deterministic (%v)", err)
	}
	var st struct {
		Type          string `json:"_type"`
		PredicateType string
		Subject       []struct {
			Name   string
			Digest map[string]string
		}
		Predicate json.RawMessage
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != intoto.StatementTypeUri || st.PredicateType != PredicateSPDX || len(st.Subject) != 1 ||
		st.Subject[0].Name != "registry.example/app" || st.Subject[0].Digest["sha256"] != hashOf("image").Hex {
		t.Errorf("statement %s", raw)
	}
	var inStatement, original any
	if err := json.Unmarshal(st.Predicate, &inStatement); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sbom, &original); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(inStatement, original) {
		t.Errorf("the predicate is not the SBOM:\n%s", st.Predicate)
	}
}
