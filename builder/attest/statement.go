package attest

import (
	"bytes"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// Subject is an image manifest a statement is about.
type Subject struct {
	// Name is the image's name, its repository as tagged.
	Name   string
	Digest v1.Hash
}

// SBOMStatement wraps the SPDX document sbom in an in-toto v1 statement
// whose subject is the image name@digest and whose predicateType is
// PredicateSPDX: what cosign signs as an SBOM attestation.
func SBOMStatement(name string, digest v1.Hash, sbom []byte) ([]byte, error) {
	predicate := &structpb.Struct{}
	if err := protojson.Unmarshal(sbom, predicate); err != nil {
		return nil, fmt.Errorf("read SBOM of %s: %w", name, err)
	}
	return statement([]Subject{{Name: name, Digest: digest}}, PredicateSPDX, predicate)
}

// statement builds, validates and encodes an in-toto v1 statement.
func statement(subjects []Subject, predicateType string, predicate *structpb.Struct) ([]byte, error) {
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		PredicateType: predicateType,
		Predicate:     predicate,
	}
	for _, s := range subjects {
		if !isSHA256(s.Digest) {
			return nil, fmt.Errorf("attest %s: digest %q is not a sha256 digest", s.Name, s.Digest)
		}
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{
			Name:   s.Name,
			Digest: map[string]string{"sha256": s.Digest.Hex},
		})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	return canonicalJSON(st)
}

// canonicalJSON encodes m as compact JSON with object keys sorted. The
// protobuf JSON encoder varies its white space from run to run on purpose
// (so that nobody depends on it), and attestations are compared by
// digest, so its output is decoded and encoded again by encoding/json,
// which sorts map keys. Numbers keep their text (UseNumber).
func canonicalJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("re-encode %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("re-encode %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// structOf converts a message to the Struct a statement's predicate is.
func structOf(m proto.Message) (*structpb.Struct, error) {
	raw, err := protojson.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(raw, s); err != nil {
		return nil, fmt.Errorf("convert %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return s, nil
}
