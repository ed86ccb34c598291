package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// inTotoPayloadType is the DSSE payload type of an in-toto statement.
const inTotoPayloadType = "application/vnd.in-toto+json"

// statement is what this package reads of an in-toto statement (v0.1 or
// v1): its subjects and its predicate type.
type statement struct {
	Type    string `json:"_type"`
	Subject []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	PredicateType string `json:"predicateType"`
}

// parseStatement decodes an in-toto statement and checks that it names
// subject among its subjects (cosign's IntotoSubjectClaimVerifier).
func parseStatement(b []byte, subject v1.Hash) (statement, error) {
	var st statement
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("not an in-toto statement: %w", err)
	}
	if st.Type == "" || st.PredicateType == "" {
		return st, errors.New("not an in-toto statement: _type or predicateType is missing")
	}
	var names []string
	for _, s := range st.Subject {
		if s.Digest[subject.Algorithm] == subject.Hex {
			return st, nil
		}
		for alg, hex := range s.Digest {
			names = append(names, alg+":"+hex)
		}
	}
	slices.Sort(names)
	return st, fmt.Errorf("the %s statement is about %v, not %s", st.PredicateType, names, subject)
}

// Attest returns the cosign attestation image for the manifest or index
// with digest subject, to be pushed under AttestationTag(subject): existing
// (the image now at that tag; nil if there is none) with one layer added
// per statement, in order. statements are in-toto statement JSON documents,
// each naming subject among its subjects. A layer, of media type
// application/vnd.dsse.envelope.v1+json, holds a DSSE envelope of payload
// type application/vnd.in-toto+json signed by s, and carries the
// annotations dev.cosignproject.cosign/signature="" and predicateType (the
// statement's), as `cosign attest` writes them. A statement that a layer of
// existing already holds, validly signed by s, is not added again; if none
// is new, existing is returned unchanged.
func (s *Signer) Attest(subject v1.Hash, statements [][]byte, existing v1.Image) (v1.Image, error) {
	if len(statements) == 0 {
		return nil, fmt.Errorf("attest %s: no statements", subject)
	}
	layers, err := payloadLayers(existing, dsseMediaType)
	if err != nil {
		return nil, fmt.Errorf("read attestations of %s: %w", subject, err)
	}
	signer, err := dsse.NewEnvelopeSigner(dsseSigner{s})
	if err != nil {
		return nil, fmt.Errorf("attest %s: %w", subject, err)
	}
	var payloads [][]byte
	var annotations []map[string]string
	for i, stmt := range statements {
		st, err := parseStatement(stmt, subject)
		if err != nil {
			return nil, fmt.Errorf("attest %s: statement %d: %w", subject, i+1, err)
		}
		if attested(layers, stmt, s.PublicKey()) {
			continue
		}
		env, err := signer.SignPayload(context.Background(), inTotoPayloadType, stmt)
		if err != nil {
			return nil, fmt.Errorf("attest %s: sign statement %d: %w", subject, i+1, err)
		}
		b, err := json.Marshal(env)
		if err != nil {
			return nil, fmt.Errorf("attest %s: encode envelope: %w", subject, err)
		}
		payloads = append(payloads, b)
		annotations = append(annotations, map[string]string{signatureAnnotation: "", predicateTypeAnnotation: st.PredicateType})
	}
	if len(payloads) == 0 {
		return existing, nil
	}
	return appendLayers(existing, dsseMediaType, payloads, annotations)
}

// attested reports whether one of layers is an envelope of stmt that
// verifies with pub.
func attested(layers []payloadLayer, stmt []byte, pub *ecdsa.PublicKey) bool {
	for _, l := range layers {
		body, err := openEnvelope(l.payload, pub)
		if err == nil && bytes.Equal(body, stmt) {
			return true
		}
	}
	return false
}

// openEnvelope checks that the DSSE envelope b holds an in-toto statement
// signed by pub, and returns the statement.
func openEnvelope(b []byte, pub *ecdsa.PublicKey) ([]byte, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("not a DSSE envelope: %w", err)
	}
	if env.PayloadType != inTotoPayloadType {
		return nil, fmt.Errorf("envelope holds %q, not an in-toto statement (%s)", env.PayloadType, inTotoPayloadType)
	}
	v, err := dsse.NewEnvelopeVerifier(dsseVerifier{pub})
	if err != nil {
		return nil, err
	}
	// The library's error ("accepted signatures do not match threshold")
	// says less than this one.
	_, body, err := v.VerifyAndDecode(context.Background(), &env)
	if err != nil {
		return nil, errors.New("bad signature: the envelope does not verify with this public key (another key signed, or the statement was altered)")
	}
	return body, nil
}

// VerifyAttestations checks the cosign attestation image attImage (the
// image at AttestationTag(subject)): at least one DSSE layer must be signed
// by pub, and each layer pub signed must be an in-toto statement whose
// subjects include subject, of the predicate type its annotation names.
// Layers pub did not sign (another signer's, or forged) are passed over,
// as cosign does. It returns the verified statements' predicate types,
// sorted and without repeats; the error names each layer that failed.
func VerifyAttestations(attImage v1.Image, pub *ecdsa.PublicKey, subject v1.Hash) ([]string, error) {
	layers, err := payloadLayers(attImage, dsseMediaType)
	if err != nil {
		return nil, fmt.Errorf("read attestations of %s: %w", subject, err)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("no attestation of %s: the attestation image has no %s layer", subject, dsseMediaType)
	}
	// Layers signed by other keys are someone else's attestations (cosign
	// keeps them too) and are passed over; a layer this key signed must
	// be about subject, of the type its annotation names.
	var types []string
	var errs []error
	others := 0
	for _, l := range layers {
		body, err := openEnvelope(l.payload, pub)
		if err != nil {
			others++
			continue
		}
		st, err := checkAttestation(l, body, subject)
		if err != nil {
			errs = append(errs, fmt.Errorf("layer %d: %w", l.index, err))
			continue
		}
		types = append(types, st.PredicateType)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("attestations of %s: %w", subject, errors.Join(errs...))
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("no attestation of %s is signed by this key (%d signed by another key, or not at all)", subject, others)
	}
	slices.Sort(types)
	return slices.Compact(types), nil
}

// checkAttestation checks a verified DSSE layer's statement: about
// subject, of the predicate type its annotation names.
func checkAttestation(l payloadLayer, body []byte, subject v1.Hash) (statement, error) {
	st, err := parseStatement(body, subject)
	if err != nil {
		return st, err
	}
	if pt, ok := l.desc.Annotations[predicateTypeAnnotation]; ok && pt != st.PredicateType {
		return st, fmt.Errorf("the layer's annotation says predicate type %s, the signed statement says %s", pt, st.PredicateType)
	}
	return st, nil
}

// dsseSigner signs DSSE's pre-authentication encoding with a Signer.
type dsseSigner struct{ s *Signer }

var _ dsse.Signer = dsseSigner{}

// Sign implements dsse.Signer.
func (d dsseSigner) Sign(_ context.Context, data []byte) ([]byte, error) {
	return d.s.sign(data)
}

// KeyID implements dsse.Signer: empty, as cosign leaves it, so that a
// verifier does not skip the signature for a key ID it computes otherwise.
func (dsseSigner) KeyID() (string, error) { return "", nil }

// dsseVerifier checks a DSSE signature with a public key.
type dsseVerifier struct{ pub *ecdsa.PublicKey }

var _ dsse.Verifier = dsseVerifier{}

// Verify implements dsse.Verifier.
func (d dsseVerifier) Verify(_ context.Context, data, sig []byte) error {
	if !verify(d.pub, data, sig) {
		return errors.New("ECDSA signature does not verify")
	}
	return nil
}

// KeyID implements dsse.Verifier (see dsseSigner.KeyID).
func (dsseVerifier) KeyID() (string, error) { return "", nil }

// Public implements dsse.Verifier.
func (d dsseVerifier) Public() crypto.PublicKey { return d.pub }
