package sign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// provenance returns an in-toto v1 statement with a SLSA provenance v1
// predicate about the manifest d in repository repo.
func provenance(repo string, d v1.Hash) []byte {
	return fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v1",`+
		`"subject":[{"name":%q,"digest":{"sha256":%q}}],`+
		`"predicateType":"https://slsa.dev/provenance/v1",`+
		`"predicate":{"buildDefinition":{"buildType":"https://lading.dev/build/v1",`+
		`"externalParameters":{"spec":{"path":"lading.yaml","digest":{"sha256":"%064x"}},"platforms":["linux/amd64"]},`+
		`"resolvedDependencies":[{"uri":"git+https://example.com/app","digest":{"gitCommit":"%040x"}}]},`+
		`"runDetails":{"builder":{"id":"https://lading.dev/lading@v0.0.0"},`+
		`"metadata":{"startedOn":"2020-01-01T00:00:00Z","finishedOn":"2020-01-01T00:00:00Z"}}}}`,
		repo, d.Hex, 1, 2)
}

// cosignRegistry is what the image tests share: a cosign with our key
// pair written as lading.key and lading.pub, the Signer of that key, and
// ggcr's registry on loopback.
type cosignRegistry struct {
	*cosign
	s    *Signer
	repo string
}

func newCosignRegistry(t *testing.T) cosignRegistry {
	t.Helper()
	c := newCosign(t, "pw")
	priv, pub, err := GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	c.writeFiles(map[string][]byte{"lading.key": priv, "lading.pub": pub})
	s, err := LoadSigner(filepath.Join(c.dir, "lading.key"), func() ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	return cosignRegistry{cosign: c, s: s, repo: newRegistry(t) + "/repo"}
}

// pushSubject pushes a new random image to the repository and returns its digest.
func (r cosignRegistry) pushSubject() v1.Hash {
	img, d := subjectOf(r.t)
	push(r.t, r.repo+":latest", img)
	return d
}

// registryFlags lets cosign talk plain HTTP to the loopback registry.
var registryFlags = []string{"--allow-http-registry", "--allow-insecure-registry"}

// verifyFlags makes cosign verify with our public key only: no
// transparency log (and, with SIGSTORE_REKOR_PUBLIC_KEY set, no TUF).
var verifyFlags = slices.Concat([]string{"--key", "lading.pub", "--insecure-ignore-tlog=true"}, registryFlags)

// TestCosignVerifiesOurImages: `cosign verify` and `cosign
// verify-attestation` accept the images SignImage and Attest make, and
// cosign verify refuses a signature of another digest at the tag.
func TestCosignVerifiesOurImages(t *testing.T) {
	r := newCosignRegistry(t)
	d := r.pushSubject()
	ref := r.repo + "@" + d.String()

	sig, err := r.s.SignImage(d, r.repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	push(t, r.repo+":"+SignatureTag(d), sig)
	att, err := r.s.Attest(d, [][]byte{provenance(r.repo, d)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	push(t, r.repo+":"+AttestationTag(d), att)

	out := r.must(slices.Concat([]string{"verify"}, verifyFlags, []string{ref})...)
	if !strings.Contains(out, `"docker-manifest-digest":"`+d.String()+`"`) {
		t.Errorf("cosign verify printed %s, want our payload", out)
	}
	out = r.must(slices.Concat([]string{"verify-attestation", "--type", "slsaprovenance1"}, verifyFlags, []string{ref})...)
	if !strings.Contains(out, `"payloadType":"application/vnd.in-toto+json"`) {
		t.Errorf("cosign verify-attestation printed %s, want our envelope", out)
	}

	// A valid signature, by the same key, of another image.
	other := r.pushSubject()
	wrong, err := r.s.SignImage(other, r.repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	push(t, r.repo+":"+SignatureTag(d), wrong)
	out, errs, err := r.run(slices.Concat([]string{"verify"}, verifyFlags, []string{ref})...)
	if err == nil {
		t.Fatalf("cosign verify accepted a signature of %s for %s:\n%s", other, d, out)
	}
	if !strings.Contains(errs, "invalid or missing digest in claim: "+other.String()) {
		t.Errorf("cosign verify failed, but not for the digest: %s", errs)
	}
	if err := VerifySignatures(wrong, r.s.PublicKey(), d); err == nil {
		t.Error("VerifySignatures accepted what cosign refused")
	}

	// An index is signed the same way, under its own digest.
	idx, err := random.Index(64, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	idxRef, err := name.ParseReference(r.repo + ":multi")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(idxRef, idx); err != nil {
		t.Fatal(err)
	}
	id, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	idxSig, err := r.s.SignImage(id, r.repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	push(t, r.repo+":"+SignatureTag(id), idxSig)
	r.must(slices.Concat([]string{"verify"}, verifyFlags, []string{r.repo + "@" + id.String()})...)
}

// TestWeReadCosignImages: what `cosign sign` and `cosign attest` push,
// VerifySignatures and VerifyAttestations accept, and SignImage and Attest
// keep as they are; cosign's signature config is byte for byte ours.
func TestWeReadCosignImages(t *testing.T) {
	r := newCosignRegistry(t)
	d := r.pushSubject()
	ref := r.repo + "@" + d.String()
	signFlags := slices.Concat([]string{"--key", "lading.key", "--tlog-upload=false", "--yes"}, registryFlags)

	r.must(slices.Concat([]string{"sign"}, signFlags, []string{ref})...)
	stmt := provenance(r.repo, d)
	var st struct{ Predicate json.RawMessage }
	if err := json.Unmarshal(stmt, &st); err != nil {
		t.Fatal(err)
	}
	r.writeFiles(map[string][]byte{"predicate.json": st.Predicate})
	r.must(slices.Concat([]string{"attest", "--type", "slsaprovenance1", "--predicate", "predicate.json"}, signFlags, []string{ref})...)

	sigImg := pull(t, r.repo+":"+SignatureTag(d))
	if err := VerifySignatures(sigImg, r.s.PublicKey(), d); err != nil {
		t.Errorf("VerifySignatures on cosign's signature: %v", err)
	}
	if again, err := r.s.SignImage(d, r.repo, sigImg); err != nil || again != sigImg {
		t.Errorf("SignImage over cosign's signature by the same key: err %v, changed %v", err, again != sigImg)
	}
	ours, err := r.s.SignImage(d, r.repo, nil)
	if err != nil {
		t.Fatal(err)
	}
	theirCfg, err := sigImg.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	ourCfg, err := ours.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(theirCfg, ourCfg) {
		t.Errorf("cosign's signature config\n%s\nours\n%s", theirCfg, ourCfg)
	}
	theirs, _ := sigImg.Manifest()
	mine, _ := ours.Manifest()
	if theirs.MediaType != mine.MediaType || theirs.Config.MediaType != mine.Config.MediaType || theirs.Layers[0].Digest != mine.Layers[0].Digest {
		t.Errorf("cosign's signature manifest %+v, ours %+v", theirs, mine)
	}

	attImg := pull(t, r.repo+":"+AttestationTag(d))
	types, err := VerifyAttestations(attImg, r.s.PublicKey(), d)
	if err != nil || len(types) != 1 || types[0] != "https://slsa.dev/provenance/v1" {
		t.Errorf("VerifyAttestations on cosign's attestation = %v, %v", types, err)
	}
	body, err := openEnvelope(mustPayload(t, attImg), r.s.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if again, err := r.s.Attest(d, [][]byte{body}, attImg); err != nil || again != attImg {
		t.Errorf("Attest over cosign's attestation of the same statement: err %v, changed %v", err, again != attImg)
	}
}

// pull returns the image at ref.
func pull(t *testing.T, ref string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	return img
}

// mustPayload returns the bytes of img's only layer.
func mustPayload(t *testing.T, img v1.Image) []byte {
	t.Helper()
	ls := layers(t, img)
	if len(ls) != 1 {
		t.Fatalf("%d layers, want 1", len(ls))
	}
	b, err := readPayload(img, ls[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}
