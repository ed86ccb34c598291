package sign

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes b to name in a new temporary directory and returns the path.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// password returns a password callback giving pw and counting its calls.
func password(pw string, calls *int) func() ([]byte, error) {
	return func() ([]byte, error) {
		*calls++
		return []byte(pw), nil
	}
}

// pemOf encodes der as a PEM block of type typ.
func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// newP256 returns a fresh P-256 key.
func newP256(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The tests that run scrypt (about 0.1 s a key, over 1 s under -race) run
// in parallel.

func TestGenerateKeyPairRoundTrip(t *testing.T) {
	t.Parallel()
	priv, pub, err := GenerateKeyPair([]byte("hunter2"))
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(priv)
	if block == nil || block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" || len(rest) != 0 {
		t.Fatalf("private key PEM = %q, want one ENCRYPTED SIGSTORE PRIVATE KEY block", priv)
	}
	// cosign's scrypt parameters and cipher, as its encrypted keys say.
	var box struct {
		KDF struct {
			Name   string
			Params struct{ N, R, P int }
		}
		Cipher struct{ Name string }
	}
	if err := json.Unmarshal(block.Bytes, &box); err != nil {
		t.Fatal(err)
	}
	if box.KDF.Name != "scrypt" || box.KDF.Params.N != 1<<16 || box.KDF.Params.R != 8 || box.KDF.Params.P != 1 || box.Cipher.Name != "nacl/secretbox" {
		t.Errorf("encrypted key parameters = %+v, want scrypt N=65536 r=8 p=1 with nacl/secretbox", box)
	}
	if b, _ := pem.Decode(pub); b == nil || b.Type != "PUBLIC KEY" {
		t.Fatalf("public key PEM = %q, want a PUBLIC KEY block", pub)
	}

	keyPath, pubPath := writeFile(t, "cosign.key", priv), writeFile(t, "cosign.pub", pub)
	calls := 0
	s, err := LoadSigner(keyPath, password("hunter2", &calls))
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("password asked %d times, want 1", calls)
	}
	pk, err := LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if !pk.Equal(s.PublicKey()) {
		t.Error("the public key file does not match the private key")
	}

	// cosign v1's block type holds the same format: tried with the wrong
	// password, which also shows the error.
	oldPath := writeFile(t, "old.key", pemOf("ENCRYPTED COSIGN PRIVATE KEY", block.Bytes))
	_, err = LoadSigner(oldPath, password("hunter3", &calls))
	if want := "wrong password for " + oldPath + " (the one in LADING_SIGN_PASSWORD, or typed, does not open it)"; err == nil || err.Error() != want {
		t.Errorf("wrong password: err = %v, want %q", err, want)
	}
	if _, err := LoadSigner(keyPath, nil); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("no password callback: err = %v, want one saying the key is encrypted", err)
	}
	boom := errors.New("no terminal")
	_, err = LoadSigner(keyPath, func() ([]byte, error) { return nil, boom })
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), keyPath) {
		t.Errorf("password error: err = %v, want it wrapped, naming %s", err, keyPath)
	}
}

func TestGenerateKeyPairEmptyPassword(t *testing.T) {
	t.Parallel()
	priv, _, err := GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	if _, err := LoadSigner(writeFile(t, "k", priv), password("", &calls)); err != nil {
		t.Errorf("empty password: %v", err)
	}
}

func TestLoadSignerPlainKeys(t *testing.T) {
	k := newP256(t)
	sec1, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"SEC1":   pemOf("EC PRIVATE KEY", sec1),
		"PKCS#8": pemOf("PRIVATE KEY", pkcs8),
	} {
		t.Run(name, func(t *testing.T) {
			calls := 0
			s, err := LoadSigner(writeFile(t, "key.pem", b), password("unused", &calls))
			if err != nil {
				t.Fatal(err)
			}
			if calls != 0 {
				t.Errorf("password asked %d times for an unencrypted key", calls)
			}
			if !s.PublicKey().Equal(&k.PublicKey) {
				t.Error("loaded a different key")
			}
		})
	}
}

func TestLoadSignerRefuses(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384SEC1, _ := x509.MarshalECPrivateKey(p384)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPKCS8, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPKCS8, _ := x509.MarshalPKCS8PrivateKey(edKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(&newP256(t).PublicKey)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"P-384", pemOf("EC PRIVATE KEY", p384SEC1), "ECDSA key on P-384, not P-256"},
		{"RSA PKCS#8", pemOf("PRIVATE KEY", rsaPKCS8), "is an RSA key, which lading does not support"},
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), "ECDSA P-256 only"},
		{"Ed25519", pemOf("PRIVATE KEY", edPKCS8), "is an Ed25519 key"},
		{"public key", pemOf("PUBLIC KEY", pubDER), "is a public key; signing needs the private key"},
		{"certificate", pemOf("CERTIFICATE", []byte{1}), `holds a PEM "CERTIFICATE" block`},
		{"not PEM", []byte("hello"), "is not a PEM file"},
		{"damaged SEC1", pemOf("EC PRIVATE KEY", []byte{1, 2}), "parse EC private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "key.pem", tc.file)
			calls := 0
			_, err := LoadSigner(path, password("x", &calls))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want one naming %s and saying %q", err, path, tc.want)
			}
			if strings.Contains(tc.want, "P-256") && !strings.Contains(err.Error(), "lading keygen") {
				t.Errorf("err = %v, want the fix (lading keygen)", err)
			}
		})
	}
	if _, err := LoadSigner(filepath.Join(t.TempDir(), "absent.key"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
}

func TestLoadPublicKeyRefuses(t *testing.T) {
	k := newP256(t)
	sec1, _ := x509.MarshalECPrivateKey(k)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384DER, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	// Refused by its block type, before anything would decrypt it.
	encPriv := pemOf("ENCRYPTED SIGSTORE PRIVATE KEY", []byte("{}"))
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"private key", pemOf("EC PRIVATE KEY", sec1), `holds a PEM "EC PRIVATE KEY" block, not a "PUBLIC KEY"`},
		{"encrypted private key", encPriv, "cosign public-key --key"},
		{"P-384", pemOf("PUBLIC KEY", p384DER), "not P-256"},
		{"not PEM", []byte("{}"), "is not a PEM file"},
		{"damaged", pemOf("PUBLIC KEY", []byte{1}), "parse public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "key.pub", tc.file)
			_, err := LoadPublicKey(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want one naming %s and saying %q", err, path, tc.want)
			}
		})
	}
}
