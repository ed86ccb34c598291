package attest

import (
	"reflect"
	"testing"
)

// FuzzParseProvenance: a provenance statement is read from registries and
// archives lading does not control (lading verify). Any bytes give a
// Provenance or an error, never a panic; and what parses, written again
// and read back, is the same Provenance: verify acts on nothing the
// statement does not say.
func FuzzParseProvenance(f *testing.F) {
	raw, err := ProvenanceStatement(sampleProvenance())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","subject":[],"predicate":{}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProvenance(b)
		if err != nil {
			return
		}
		again, err := ProvenanceStatement(*p)
		if err != nil {
			// A statement lading would not write (say, an absolute spec
			// path) may still parse; it must then be refused here, not
			// half-written.
			return
		}
		q, err := ParseProvenance(again)
		if err != nil {
			t.Fatalf("a statement ProvenanceStatement wrote does not parse: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("read, written and read again differs:\n%+v\n%+v", p, q)
		}
	})
}
