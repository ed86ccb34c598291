package attest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lading-dev/lading/builder/sign"
)

// TestStatementsSign: builder/sign signs both statements as cosign
// attestations of an image they name, and verifies them again.
func TestStatementsSign(t *testing.T) {
	priv, _, err := sign.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "cosign.key")
	if err := os.WriteFile(keyFile, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sign.LoadSigner(keyFile, func() ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	p := sampleProvenance()
	subject := p.Subjects[1].Digest
	prov, err := ProvenanceStatement(p)
	if err != nil {
		t.Fatal(err)
	}
	sbom, err := SBOM(sampleImage(), epoch, "v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	sbomSt, err := SBOMStatement("registry.example/app", subject, sbom)
	if err != nil {
		t.Fatal(err)
	}
	att, err := s.Attest(subject, [][]byte{prov, sbomSt}, nil)
	if err != nil {
		t.Fatal(err)
	}
	types, err := sign.VerifyAttestations(att, s.PublicKey(), subject)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(types, []string{PredicateSLSA1, PredicateSPDX}) {
		t.Errorf("attested predicate types %v", types)
	}
}
