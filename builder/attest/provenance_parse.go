package attest

import (
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// ParseProvenance reads back a statement ProvenanceStatement wrote (for
// `lading verify`). It checks the statement type, the predicate type, the
// build type and the builder id, and says which is wrong; fields another
// writer added are ignored.
func ParseProvenance(statement []byte) (*Provenance, error) {
	st := &intoto.Statement{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(statement, st); err != nil {
		return nil, fmt.Errorf("read provenance statement: %w", err)
	}
	switch {
	case st.GetType() != intoto.StatementTypeUri:
		return nil, fmt.Errorf("provenance statement: _type is %q, want %q", st.GetType(), intoto.StatementTypeUri)
	case st.GetPredicateType() != PredicateSLSA1:
		return nil, fmt.Errorf("provenance statement: predicateType is %q, want %q (SLSA provenance v1)", st.GetPredicateType(), PredicateSLSA1)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("provenance statement: %w", err)
	}
	prov, err := predicate(st.GetPredicate())
	if err != nil {
		return nil, err
	}
	p := &Provenance{}
	for _, s := range st.GetSubject() {
		h, err := v1.NewHash("sha256:" + s.GetDigest()["sha256"])
		if err != nil {
			return nil, fmt.Errorf("provenance statement: subject %s has no sha256 digest: %w", s.GetName(), err)
		}
		p.Subjects = append(p.Subjects, Subject{Name: s.GetName(), Digest: h})
	}
	if err := readRunDetails(prov.GetRunDetails(), p); err != nil {
		return nil, err
	}
	def := prov.GetBuildDefinition()
	if err := readExternal(def.GetExternalParameters(), p); err != nil {
		return nil, err
	}
	if err := readDependencies(def.GetResolvedDependencies(), p); err != nil {
		return nil, err
	}
	return p, readEpoch(prov, p)
}

// predicate decodes and checks the SLSA v1 predicate.
func predicate(s *structpb.Struct) (*slsa.Provenance, error) {
	raw, err := protojson.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	prov := &slsa.Provenance{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, prov); err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	if err := prov.Validate(); err != nil {
		return nil, fmt.Errorf("provenance predicate: %w", err)
	}
	if bt := prov.GetBuildDefinition().GetBuildType(); bt != BuildType {
		return nil, fmt.Errorf("provenance predicate: buildType is %q, want %q: lading did not write it", bt, BuildType)
	}
	return prov, nil
}

// readRunDetails takes the lading version from the builder.
func readRunDetails(rd *slsa.RunDetails, p *Provenance) error {
	b := rd.GetBuilder()
	p.LadingVersion = b.GetVersion()["lading"]
	if p.LadingVersion == "" {
		return fmt.Errorf("provenance predicate: runDetails.builder.version has no lading version")
	}
	if id := BuilderID(p.LadingVersion); b.GetId() != id {
		return fmt.Errorf("provenance predicate: builder id is %q, want %q for lading %s", b.GetId(), id, p.LadingVersion)
	}
	return nil
}

// readExternal takes the spec, platforms, tags and base.
func readExternal(s *structpb.Struct, p *Provenance) error {
	ext := s.AsMap()
	var err error
	if p.Platforms, err = stringList(ext, "platforms"); err != nil {
		return err
	}
	if p.Tags, err = stringList(ext, "tags"); err != nil {
		return err
	}
	if b, ok := ext["base"]; ok {
		if p.Base, ok = b.(string); !ok {
			return fmt.Errorf("provenance predicate: externalParameters.base is not a string")
		}
	}
	if c, ok := ext["compression"]; ok {
		if p.Compression, ok = c.(string); !ok {
			return fmt.Errorf("provenance predicate: externalParameters.compression is not a string")
		}
	}
	if l, ok := ext["compressionLevel"]; ok {
		f, ok := l.(float64)
		if !ok || f != float64(int(f)) || f < 1 || f > 22 {
			return fmt.Errorf("provenance predicate: externalParameters.compressionLevel is not a level from 1 to 22")
		}
		p.CompressionLevel = int(f)
	}
	spec, ok := ext["spec"].(map[string]any)
	if _, present := ext["spec"]; present && !ok {
		return fmt.Errorf("provenance predicate: externalParameters.spec is not an object")
	}
	if !ok {
		return nil
	}
	p.SpecPath, _ = spec["path"].(string)
	digest, _ := spec["digest"].(map[string]any)
	hexDigest, _ := digest["sha256"].(string)
	if p.SpecDigest, err = v1.NewHash("sha256:" + hexDigest); err != nil || p.SpecPath == "" {
		return fmt.Errorf("provenance predicate: externalParameters.spec needs a path and a sha256 digest")
	}
	return nil
}

func stringList(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	list, ok := v.([]any)
	var out []string
	for _, e := range list {
		s, isString := e.(string)
		if !isString {
			ok = false
			break
		}
		out = append(out, s)
	}
	if !ok {
		return nil, fmt.Errorf("provenance predicate: externalParameters.%s is not a list of strings", key)
	}
	return out, nil
}

// readDependencies sorts the resolved dependencies into source, bases and
// toolchain by their shape (see BuildType).
func readDependencies(deps []*intoto.ResourceDescriptor, p *Provenance) error {
	for i, d := range deps {
		switch {
		case d.GetDigest()["gitCommit"] != "":
			p.GitCommit = d.GetDigest()["gitCommit"]
			p.GitRemote = strings.TrimPrefix(d.GetUri(), "git+")
			if path, ok := strings.CutPrefix(p.GitRemote, "file://"); ok && strings.HasPrefix(path, "/") {
				p.GitRemote = path // as the checkout names it
			}
			p.GitDirty = d.GetAnnotations().GetFields()["dirty"].GetBoolValue()
		case d.GetDigest()["sha256"] != "":
			h, err := v1.NewHash("sha256:" + d.GetDigest()["sha256"])
			if err != nil {
				return fmt.Errorf("provenance predicate: resolvedDependencies[%d] (%s): %w", i, d.GetName(), err)
			}
			p.Bases = append(p.Bases, Base{Name: d.GetName(), Digest: h})
		case strings.HasPrefix(d.GetUri(), "pkg:golang/stdlib@"):
			p.GoVersion = d.GetName()
		default:
			return fmt.Errorf("provenance predicate: resolvedDependencies[%d] (%s %s) is not a source, base or toolchain", i, d.GetName(), d.GetUri())
		}
	}
	return nil
}

// readEpoch takes the epoch, which internalParameters, startedOn and
// finishedOn must agree on.
func readEpoch(prov *slsa.Provenance, p *Provenance) error {
	s, _ := prov.GetBuildDefinition().GetInternalParameters().AsMap()["epoch"].(string)
	epoch, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("provenance predicate: internalParameters.epoch %q is not an RFC 3339 time", s)
	}
	md := prov.GetRunDetails().GetMetadata()
	if !md.GetStartedOn().AsTime().Equal(epoch) || !md.GetFinishedOn().AsTime().Equal(epoch) {
		return fmt.Errorf("provenance predicate: startedOn %s and finishedOn %s are not the epoch %s",
			md.GetStartedOn().AsTime().Format(time.RFC3339), md.GetFinishedOn().AsTime().Format(time.RFC3339), s)
	}
	p.Epoch = epoch.UTC()
	return nil
}
