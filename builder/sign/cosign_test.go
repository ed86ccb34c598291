package sign

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
)

// TestCosignReadsOurKeys: cosign opens the encrypted key GenerateKeyPair
// writes, and signatures cross both ways.
func TestCosignReadsOurKeys(t *testing.T) {
	c := newCosign(t, "correct horse")
	priv, pub, err := GenerateKeyPair([]byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte("hello\n")
	c.writeFiles(map[string][]byte{"lading.key": priv, "lading.pub": pub, "blob": blob})
	s, err := LoadSigner(filepath.Join(c.dir, "lading.key"), func() ([]byte, error) { return []byte("correct horse"), nil })
	if err != nil {
		t.Fatal(err)
	}

	if got := c.must("public-key", "--key", "lading.key"); got != string(pub) {
		t.Errorf("cosign public-key =\n%s\nwant\n%s", got, pub)
	}
	out := c.must("sign-blob", "--yes", "--key", "lading.key", "--tlog-upload=false", "blob")
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out))
	if err != nil || !verify(s.PublicKey(), blob, sig) {
		t.Errorf("cosign sign-blob with our key gave %q, which does not verify (err %v)", out, err)
	}

	ours, err := s.sign(blob)
	if err != nil {
		t.Fatal(err)
	}
	c.writeFiles(map[string][]byte{"blob.sig": []byte(base64.StdEncoding.EncodeToString(ours))})
	c.must("verify-blob", "--key", "lading.pub", "--signature", "blob.sig", "--insecure-ignore-tlog=true", "blob")
	c.writeFiles(map[string][]byte{"blob": []byte("tampered\n")})
	if _, _, err := c.run("verify-blob", "--key", "lading.pub", "--signature", "blob.sig", "--insecure-ignore-tlog=true", "blob"); err == nil {
		t.Error("cosign verify-blob accepted our signature over altered bytes")
	}
}

// TestCosignKeyLoads: LoadSigner opens the key `cosign generate-key-pair`
// writes, and LoadPublicKey its public key.
func TestCosignKeyLoads(t *testing.T) {
	c := newCosign(t, "s3cret")
	c.must("generate-key-pair")
	keyPath, pubPath := filepath.Join(c.dir, "cosign.key"), filepath.Join(c.dir, "cosign.pub")
	s, err := LoadSigner(keyPath, func() ([]byte, error) { return []byte("s3cret"), nil })
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(s.PublicKey()) {
		t.Error("cosign.pub is not the public half of cosign.key as LoadSigner reads it")
	}
	if _, err := LoadSigner(keyPath, func() ([]byte, error) { return []byte("guess"), nil }); err == nil || !strings.Contains(err.Error(), "wrong password for "+keyPath) {
		t.Errorf("wrong password: err = %v", err)
	}
}
