package attest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Provenance is what a provenance statement records of one build; see
// BuildType for where each field goes.
type Provenance struct {
	// Subjects are the image manifests the build made (name and digest).
	Subjects []Subject
	// LadingVersion is the version of lading that built them; the builder
	// id is derived from it (BuilderID).
	LadingVersion string
	// SpecPath is the spec file's path relative to the git checkout's root,
	// "" without a spec; SpecDigest is the sha256 of its bytes.
	SpecPath   string
	SpecDigest v1.Hash
	// Platforms are the platforms built and Tags the tags given, each in
	// the order the user gave them.
	Platforms []string
	Tags      []string
	// Base is the base as given, "" for scratch.
	Base string
	// Compression is the layers' compression (gzip, zstd or none) and
	// CompressionLevel its level, 0 for the pinned default: both decide
	// the layers' bytes, so a rebuild needs them.
	Compression      string
	CompressionLevel int
	// GitCommit is the checkout's commit, "" outside a checkout; GitRemote
	// its origin URL (any user:password@ is removed before it is recorded);
	// GitDirty is true when the checkout had uncommitted changes.
	GitCommit string
	GitRemote string
	GitDirty  bool
	// Bases are the resolved bases by digest.
	Bases []Base
	// GoVersion is the toolchain that built go layers, "go1.26.8"; "" if
	// none did.
	GoVersion string
	// Epoch is the build's time: it starts and finishes then.
	Epoch time.Time
}

// BuilderID is the SLSA builder id of lading at version: its repository
// and version, as a GitHub reusable workflow names itself.
func BuilderID(version string) string {
	return "https://github.com/lading-dev/lading@" + version
}

// ProvenanceStatement returns the in-toto v1 statement, as compact JSON
// with sorted keys, whose SLSA v1 provenance predicate records p. Its
// subjects are sorted by name and digest and its bases by name and digest
// (each once), so the order they were found in does not matter.
func ProvenanceStatement(p Provenance) ([]byte, error) {
	if p.LadingVersion == "" {
		return nil, fmt.Errorf("provenance: the lading version is empty; the builder id is made from it")
	}
	def, err := buildDefinition(p)
	if err != nil {
		return nil, err
	}
	epoch := timestamppb.New(p.Epoch.UTC().Truncate(time.Second))
	prov := &slsa.Provenance{
		BuildDefinition: def,
		RunDetails: &slsa.RunDetails{
			Builder:  &slsa.Builder{Id: BuilderID(p.LadingVersion), Version: map[string]string{"lading": p.LadingVersion}},
			Metadata: &slsa.BuildMetadata{StartedOn: epoch, FinishedOn: epoch},
		},
	}
	if err := prov.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	predicate, err := structOf(prov)
	if err != nil {
		return nil, err
	}
	subjects := slices.Clone(p.Subjects)
	slices.SortFunc(subjects, compareSubjects)
	return statement(slices.Compact(subjects), PredicateSLSA1, predicate)
}

func compareSubjects(a, b Subject) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Digest.String(), b.Digest.String()))
}

// buildDefinition is p's parameters and dependencies (see BuildType).
func buildDefinition(p Provenance) (*slsa.BuildDefinition, error) {
	ext := map[string]any{"platforms": strings2any(p.Platforms)}
	if strings.HasPrefix(p.SpecPath, "/") {
		return nil, fmt.Errorf("provenance: spec path %s is absolute; record it relative to the checkout's root, so that a rebuild elsewhere matches", p.SpecPath)
	}
	if p.SpecPath != "" {
		if !isSHA256(p.SpecDigest) {
			return nil, fmt.Errorf("provenance: spec %s has no sha256 digest (%q)", p.SpecPath, p.SpecDigest)
		}
		ext["spec"] = map[string]any{"path": p.SpecPath, "digest": map[string]any{"sha256": p.SpecDigest.Hex}}
	}
	if len(p.Tags) > 0 {
		ext["tags"] = strings2any(p.Tags)
	}
	if p.Base != "" {
		ext["base"] = stripCredentials(p.Base)
	}
	if p.Compression != "" {
		ext["compression"] = p.Compression
	}
	if p.CompressionLevel != 0 {
		ext["compressionLevel"] = float64(p.CompressionLevel)
	}
	extS, err := structpb.NewStruct(ext)
	if err != nil {
		return nil, fmt.Errorf("provenance: external parameters: %w", err)
	}
	intS, err := structpb.NewStruct(map[string]any{"epoch": p.Epoch.UTC().Format(time.RFC3339)})
	if err != nil {
		return nil, fmt.Errorf("provenance: internal parameters: %w", err)
	}
	deps, err := resolvedDependencies(p)
	if err != nil {
		return nil, err
	}
	return &slsa.BuildDefinition{BuildType: BuildType, ExternalParameters: extS, InternalParameters: intS, ResolvedDependencies: deps}, nil
}

// resolvedDependencies lists the source, the bases and the Go toolchain.
func resolvedDependencies(p Provenance) ([]*intoto.ResourceDescriptor, error) {
	var deps []*intoto.ResourceDescriptor
	if p.GitCommit != "" {
		if !isHex(p.GitCommit, 40) {
			// in-toto's gitCommit is a SHA-1 object id; its validator
			// refuses the 64 digits of a SHA-256 repository too.
			return nil, fmt.Errorf("provenance: git commit %q is not a full 40-digit SHA-1 commit id", p.GitCommit)
		}
		src := &intoto.ResourceDescriptor{Digest: map[string]string{"gitCommit": p.GitCommit}}
		if p.GitRemote != "" {
			src.Uri = "git+" + stripCredentials(p.GitRemote)
			if strings.HasPrefix(p.GitRemote, "/") {
				src.Uri = "git+file://" + p.GitRemote // a URI, not a bare path
			}
		}
		if p.GitDirty {
			src.Annotations = &structpb.Struct{Fields: map[string]*structpb.Value{"dirty": structpb.NewBoolValue(true)}}
		}
		deps = append(deps, src)
	}
	bases := slices.Clone(p.Bases)
	slices.SortFunc(bases, func(a, b Base) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Digest.String(), b.Digest.String()))
	})
	for _, b := range slices.Compact(bases) {
		if !isSHA256(b.Digest) {
			return nil, fmt.Errorf("provenance: base %s has no sha256 digest (%q)", b.Name, b.Digest)
		}
		rd := &intoto.ResourceDescriptor{Name: stripCredentials(b.Name), Digest: map[string]string{"sha256": b.Digest.Hex}}
		if purl, ok := ociPURL(b.Name, b.Digest, ""); ok {
			rd.Uri = purl
		}
		deps = append(deps, rd)
	}
	if tc := goToolchain(p.GoVersion); tc != "" {
		deps = append(deps, &intoto.ResourceDescriptor{Name: tc, Uri: stdlibPURL(tc)})
	}
	return deps, nil
}

func strings2any(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
