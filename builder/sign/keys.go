// Package sign signs images and attestations with an ECDSA P-256 key in the
// formats cosign reads, and verifies them: the simple-signing payload under
// the "sha256-<hex>.sig" tag and DSSE-wrapped in-toto statements under the
// "sha256-<hex>.att" tag, with keys in cosign's PEM files (its encrypted
// "ENCRYPTED SIGSTORE PRIVATE KEY", or plain SEC1 and PKCS#8).
//
// It works offline and with keys only: it never contacts Rekor, Fulcio or a
// TUF repository, and it neither pulls nor pushes. It builds the signature
// and attestation images; where they come from and go to is the caller's.
// It must not read the environment: passwords arrive through a callback.
// Issue 12 ("Trust what you ship") asked for it.
package sign

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// PEM block types of the key files, as cosign names them.
const (
	// sigstoreKeyType is what cosign (since v2) writes for its encrypted
	// private keys, and what GenerateKeyPair writes.
	sigstoreKeyType = "ENCRYPTED SIGSTORE PRIVATE KEY"
	// cosignKeyType is what cosign v1 wrote; the contents are the same.
	cosignKeyType = "ENCRYPTED COSIGN PRIVATE KEY"
	ecKeyType     = "EC PRIVATE KEY"
	pkcs8KeyType  = "PRIVATE KEY"
	publicKeyType = "PUBLIC KEY"
)

// makeKey is the fix quoted in the errors about a key lading cannot use.
const makeKey = "make a P-256 key pair with `lading keygen` or `cosign generate-key-pair`"

// Signer signs with an ECDSA P-256 key. It is safe for concurrent use.
type Signer struct {
	key *ecdsa.PrivateKey
}

// LoadSigner reads the PEM private key file at path: cosign's encrypted
// "ENCRYPTED SIGSTORE PRIVATE KEY" (or the older "ENCRYPTED COSIGN PRIVATE
// KEY"), an "EC PRIVATE KEY" (SEC1) or a "PRIVATE KEY" (PKCS#8). password
// is called, once, only for an encrypted key. The key must be ECDSA on
// P-256; errors name path and say what to do instead.
func LoadSigner(path string, password func() ([]byte, error)) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("signing key %s is not a PEM file; %s", path, makeKey)
	}
	key, err := privateKey(path, block, password)
	if err != nil {
		return nil, err
	}
	if err := checkP256(path, key); err != nil {
		return nil, err
	}
	return &Signer{key: key.(*ecdsa.PrivateKey)}, nil
}

// privateKey decodes the private key in block, read from path.
func privateKey(path string, block *pem.Block, password func() ([]byte, error)) (any, error) {
	switch block.Type {
	case sigstoreKeyType, cosignKeyType:
		der, err := decrypt(path, block.Bytes, password)
		if err != nil {
			return nil, err
		}
		return parsePKCS8(path, der)
	case ecKeyType:
		key, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse EC private key %s: %w", path, err)
		}
		return key, nil
	case pkcs8KeyType:
		return parsePKCS8(path, block.Bytes)
	case "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("signing key %s is a %s, which lading cannot sign with: it signs with ECDSA P-256 only; %s", path, block.Type, makeKey)
	case publicKeyType:
		return nil, fmt.Errorf("signing key %s is a public key; signing needs the private key file (the one without .pub)", path)
	default:
		return nil, fmt.Errorf("signing key %s holds a PEM %q block, not a private key; %s", path, block.Type, makeKey)
	}
}

// decrypt opens cosign's encrypted key format: scrypt derives a key from
// the password, which opens a NaCl secretbox holding the PKCS#8 key.
func decrypt(path string, ciphertext []byte, password func() ([]byte, error)) ([]byte, error) {
	if password == nil {
		return nil, fmt.Errorf("signing key %s is encrypted and no password was given (set LADING_SIGN_PASSWORD)", path)
	}
	pw, err := password()
	if err != nil {
		return nil, fmt.Errorf("read password for %s: %w", path, err)
	}
	der, err := encrypted.Decrypt(ciphertext, pw)
	// go-securesystemslib has no sentinel for a secretbox that does not
	// open; with checked scrypt parameters that means the wrong password.
	if err != nil && err.Error() == "encrypted: decryption failed" {
		return nil, fmt.Errorf("wrong password for %s (the one in LADING_SIGN_PASSWORD, or typed, does not open it)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("decrypt signing key %s: %w", path, err)
	}
	return der, nil
}

// parsePKCS8 decodes a PKCS#8 private key read from path.
func parsePKCS8(path string, der []byte) (any, error) {
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS#8 private key %s: %w", path, err)
	}
	return key, nil
}

// checkP256 returns nil if key, read from path, is an ECDSA P-256 key
// (private or public), or an error naming path and what the key is instead.
func checkP256(path string, key any) error {
	var curve elliptic.Curve
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		curve = k.Curve
	case *ecdsa.PublicKey:
		curve = k.Curve
	case *rsa.PrivateKey, *rsa.PublicKey:
		return fmt.Errorf("key %s is an RSA key, which lading does not support: it uses ECDSA P-256 only; %s", path, makeKey)
	case ed25519.PrivateKey, ed25519.PublicKey:
		return fmt.Errorf("key %s is an Ed25519 key, which lading does not support: it uses ECDSA P-256 only; %s", path, makeKey)
	default:
		return fmt.Errorf("key %s is a %T key, which lading does not support: it uses ECDSA P-256 only; %s", path, key, makeKey)
	}
	if curve != elliptic.P256() {
		return fmt.Errorf("key %s is an ECDSA key on %s, not P-256, which lading uses only; %s", path, curve.Params().Name, makeKey)
	}
	return nil
}

// PublicKey returns the public half of the signing key.
func (s *Signer) PublicKey() *ecdsa.PublicKey {
	return &s.key.PublicKey
}

// sign returns the ASN.1 ECDSA signature of payload's SHA-256, the
// signature cosign makes and checks for a P-256 key. It is random by
// nature (ECDSA draws a nonce), unlike everything else lading writes.
func (s *Signer) sign(payload []byte) ([]byte, error) {
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return sig, nil
}

// verify reports whether sig is pub's ECDSA signature of payload's SHA-256.
func verify(pub *ecdsa.PublicKey, payload, sig []byte) bool {
	sum := sha256.Sum256(payload)
	return ecdsa.VerifyASN1(pub, sum[:], sig)
}

// LoadPublicKey reads the PEM "PUBLIC KEY" (PKIX) file at path, which must
// hold an ECDSA P-256 key, as `lading keygen` and `cosign
// generate-key-pair` write it. A private key file is refused, not reduced
// to its public half: verification should not need the secret.
func LoadPublicKey(path string) (*ecdsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	block, _ := pem.Decode(data)
	switch {
	case block == nil:
		return nil, fmt.Errorf("public key %s is not a PEM file; give the .pub file `lading keygen` wrote, or `cosign public-key --key KEY` prints one", path)
	case block.Type != publicKeyType:
		return nil, fmt.Errorf("public key %s holds a PEM %q block, not a \"PUBLIC KEY\"; give the .pub file beside the private key, or make one with `cosign public-key --key %s`", path, block.Type, path)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key %s: %w", path, err)
	}
	if err := checkP256(path, key); err != nil {
		return nil, err
	}
	return key.(*ecdsa.PublicKey), nil
}

// GenerateKeyPair returns a new P-256 key pair as cosign writes it: the
// private key in PKCS#8, encrypted with password (which may be empty) by
// go-securesystemslib's scrypt and NaCl secretbox with cosign's scrypt
// parameters, as an "ENCRYPTED SIGSTORE PRIVATE KEY" PEM block; the public
// key as a PKIX "PUBLIC KEY" PEM block. Writing the files is the caller's.
func GenerateKeyPair(password []byte) (privPEM, pubPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode private key: %w", err)
	}
	// encrypted.Encrypt is the call cosign's marshalKeyPair makes, so the
	// KDF parameters (scrypt N=2^16, r=8, p=1) are cosign's by construction.
	box, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, fmt.Errorf("encrypt private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("encode public key: %w", err)
	}
	privPEM = pem.EncodeToMemory(&pem.Block{Type: sigstoreKeyType, Bytes: box})
	pubPEM = pem.EncodeToMemory(&pem.Block{Type: publicKeyType, Bytes: pubDER})
	return privPEM, pubPEM, nil
}
