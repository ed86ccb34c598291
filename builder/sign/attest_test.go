package sign

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

const (
	slsaV1 = "https://slsa.dev/provenance/v1"
	spdx   = "https://spdx.dev/Document"
)

// inToto returns an in-toto v1 statement about d with an empty predicate
// of type predicateType.
func inToto(d v1.Hash, predicateType string) []byte {
	return fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"reg:5000/app","digest":{"%s":"%s"}}],"predicateType":%q,"predicate":{}}`, d.Algorithm, d.Hex, predicateType)
}

func TestAttestFormat(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	if want := "sha256-" + d.Hex + ".att"; AttestationTag(d) != want {
		t.Fatalf("AttestationTag = %s, want %s", AttestationTag(d), want)
	}
	stmts := [][]byte{inToto(d, spdx), inToto(d, slsaV1)}
	img, err := s.Attest(d, stmts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img, validate.Fast); err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || len(m.Layers) != 2 {
		t.Fatalf("manifest %s with %d layers, want OCI with 2", m.MediaType, len(m.Layers))
	}
	for i, l := range m.Layers {
		wantAnn := map[string]string{"dev.cosignproject.cosign/signature": "", "predicateType": []string{spdx, slsaV1}[i]}
		if l.MediaType != "application/vnd.dsse.envelope.v1+json" || !reflect.DeepEqual(l.Annotations, wantAnn) {
			t.Errorf("layer %d: %s %v, want the DSSE media type and %v", i, l.MediaType, l.Annotations, wantAnn)
		}
		b, err := readPayload(img, l)
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			PayloadType string `json:"payloadType"`
			Payload     string `json:"payload"`
			Signatures  []struct {
				KeyID *string `json:"keyid"`
				Sig   string  `json:"sig"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		body, _ := base64.StdEncoding.DecodeString(env.Payload)
		if env.PayloadType != "application/vnd.in-toto+json" || string(body) != string(stmts[i]) || len(env.Signatures) != 1 {
			t.Fatalf("layer %d: envelope %s", i, b)
		}
		if k := env.Signatures[0].KeyID; k == nil || *k != "" {
			t.Errorf("layer %d: keyid %v, want present and empty as cosign writes it", i, k)
		}
		// DSSE's pre-authentication encoding, spelled out here rather than
		// taken from the library that signed.
		pae := fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(env.PayloadType), env.PayloadType, len(body), body)
		sig, _ := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
		if !verify(s.PublicKey(), pae, sig) {
			t.Errorf("layer %d: the signature does not verify over PAE", i)
		}
	}
	got, err := VerifyAttestations(img, s.PublicKey(), d)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{slsaV1, spdx}; !reflect.DeepEqual(got, want) {
		t.Errorf("VerifyAttestations = %v, want %v", got, want)
	}
}

func TestAttestRefuses(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	_, other := subjectOf(t)
	for _, tc := range []struct {
		name  string
		stmts [][]byte
		want  string
	}{
		{"none", nil, "no statements"},
		{"other subject", [][]byte{inToto(d, spdx), inToto(other, slsaV1)}, "statement 2: the " + slsaV1 + " statement is about [" + other.String() + "], not " + d.String()},
		{"not JSON", [][]byte{[]byte("{")}, "statement 1: not an in-toto statement"},
		{"no predicate type", [][]byte{[]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[]}`)}, "predicateType is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Attest(d, tc.stmts, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestVerifyAttestationsFailures(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	_, other := subjectOf(t)
	good, err := s.Attest(d, [][]byte{inToto(d, slsaV1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	desc := layers(t, good)[0]
	b, err := readPayload(good, desc)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	env["payload"] = base64.StdEncoding.EncodeToString(inToto(d, spdx))
	tamperedEnv, _ := json.Marshal(env)
	tampered, err := mutate.Append(emptySignatures(), mutate.Addendum{Layer: static.NewLayer(tamperedEnv, dsseMediaType), Annotations: desc.Annotations})
	if err != nil {
		t.Fatal(err)
	}
	relabelled, err := mutate.Append(emptySignatures(), mutate.Addendum{Layer: static.NewLayer(b, dsseMediaType), Annotations: map[string]string{"predicateType": spdx}})
	if err != nil {
		t.Fatal(err)
	}
	// A layer that does not verify with the key is someone else's (or
	// forged): passed over, as cosign does, never counted.
	mixed, err := mutate.Append(good, mutate.Addendum{Layer: static.NewLayer(tamperedEnv, dsseMediaType), Annotations: desc.Annotations})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := VerifyAttestations(mixed, s.PublicKey(), d); err != nil || !slices.Equal(got, []string{slsaV1}) {
		t.Errorf("a valid attestation beside a forged one: %v, %v; want the valid one's type alone", got, err)
	}
	if got, err := VerifyAttestations(mixed, newSigner(t).PublicKey(), d); err == nil {
		t.Errorf("no layer signed by the key, yet verified: %v", got)
	}
	forOther, err := s.Attest(other, [][]byte{inToto(other, slsaV1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		img  v1.Image
		pub  *Signer
		want string
	}{
		{"tampered statement", tampered, s, "no attestation of " + d.String() + " is signed by this key (1 signed by another key"},
		{"another key", good, newSigner(t), "no attestation of " + d.String() + " is signed by this key"},
		{"another digest", forOther, s, "is about [" + other.String() + "], not " + d.String()},
		{"annotation disagrees", relabelled, s, "annotation says predicate type " + spdx},
		{"no layer", emptySignatures(), s, "no attestation of " + d.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyAttestations(tc.img, tc.pub.PublicKey(), d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, err = %v, want %q", got, err, tc.want)
			}
		})
	}
}

func TestAttestKeepsExisting(t *testing.T) {
	host := newRegistry(t)
	s := newSigner(t)
	_, d := subjectOf(t)
	ref := host + "/app:" + AttestationTag(d)
	sbom, prov := inToto(d, spdx), inToto(d, slsaV1)
	first, err := s.Attest(d, [][]byte{sbom}, nil)
	if err != nil {
		t.Fatal(err)
	}
	existing := push(t, ref, first)
	again, err := s.Attest(d, [][]byte{sbom}, existing)
	if err != nil {
		t.Fatal(err)
	}
	if again != existing {
		t.Error("attesting the same statement again did not return the existing image unchanged")
	}
	grown, err := s.Attest(d, [][]byte{sbom, prov}, existing)
	if err != nil {
		t.Fatal(err)
	}
	grown = push(t, ref, grown)
	ls := layers(t, grown)
	if len(ls) != 2 || ls[0].Digest != layers(t, first)[0].Digest || ls[1].Annotations["predicateType"] != slsaV1 {
		t.Fatalf("layers = %v, want the existing SBOM then the provenance", ls)
	}
	if got, err := VerifyAttestations(grown, s.PublicKey(), d); err != nil || len(got) != 2 {
		t.Errorf("VerifyAttestations = %v, %v", got, err)
	}
	// Another key's envelope of the same statement is not ours: added.
	s2 := newSigner(t)
	withS2, err := s2.Attest(d, [][]byte{sbom}, grown)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(layers(t, withS2)); n != 3 {
		t.Errorf("another key: %d layers, want 3", n)
	}
}
