package sign

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// simpleSigningType is the critical.type of cosign's payload.
const simpleSigningType = "cosign container image signature"

// simpleSigning is cosign's simple-signing payload (sigstore's
// payload.SimpleContainerImage). The field order and JSON names are
// cosign's: encoding/json writes them in this order, with "optional":null,
// and no trailing newline, byte for byte what `cosign sign` signs.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]any `json:"optional"`
}

// signingPayload returns the payload cosign signs for the manifest with
// digest subject in repository dockerRef, which is written in ggcr's full
// form (as cosign does: "app" becomes "index.docker.io/library/app").
func signingPayload(subject v1.Hash, dockerRef string) ([]byte, error) {
	repo, err := name.NewRepository(dockerRef)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %q is not a repository (want e.g. registry.example:5000/app, no tag or digest): %w", subject, dockerRef, err)
	}
	var p simpleSigning
	p.Critical.Identity.DockerReference = repo.Name()
	p.Critical.Image.DockerManifestDigest = subject.String()
	p.Critical.Type = simpleSigningType
	return json.Marshal(p)
}

// SignImage returns the cosign signature image for the manifest or index
// with digest subject, known as repository dockerRef (e.g.
// "reg:5000/app"), to be pushed under SignatureTag(subject). The image is
// existing (the image now at that tag; nil if there is none) with one layer
// added, of media type application/vnd.dev.cosign.simplesigning.v1+json,
// holding the simple-signing payload, its signature in the layer's
// annotation dev.cosignproject.cosign/signature. When a layer of existing
// already holds a valid signature by s over the same payload, existing is
// returned unchanged, so pushing the same image again does not grow it.
// Reading existing's layers is I/O under the context it was fetched with.
func (s *Signer) SignImage(subject v1.Hash, dockerRef string, existing v1.Image) (v1.Image, error) {
	payload, err := signingPayload(subject, dockerRef)
	if err != nil {
		return nil, err
	}
	layers, err := payloadLayers(existing, simpleSigningMediaType)
	if err != nil {
		return nil, fmt.Errorf("read signatures of %s: %w", subject, err)
	}
	for _, l := range layers {
		if bytes.Equal(l.payload, payload) && signatureError(l, s.PublicKey()) == nil {
			return existing, nil
		}
	}
	sig, err := s.sign(payload)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", subject, err)
	}
	ann := map[string]string{signatureAnnotation: base64.StdEncoding.EncodeToString(sig)}
	return appendLayers(existing, simpleSigningMediaType, [][]byte{payload}, []map[string]string{ann})
}

// VerifySignatures checks the cosign signature image sigImage (the image
// at SignatureTag(subject)): at least one of its layers must carry a
// signature that verifies with pub, over a simple-signing payload whose
// docker-manifest-digest is subject. As `cosign verify` does, it ignores
// the payload's docker-reference. The error says, for each layer, why it
// failed: no signature, a bad signature, or a signature for another digest.
func VerifySignatures(sigImage v1.Image, pub *ecdsa.PublicKey, subject v1.Hash) error {
	layers, err := payloadLayers(sigImage, simpleSigningMediaType)
	if err != nil {
		return fmt.Errorf("read signatures of %s: %w", subject, err)
	}
	if len(layers) == 0 {
		return fmt.Errorf("no signature of %s: the signature image has no %s layer", subject, simpleSigningMediaType)
	}
	var errs []error
	for _, l := range layers {
		err := signatureError(l, pub)
		if err == nil {
			err = claimError(l, subject)
		}
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("layer %d: %w", l.index, err))
	}
	return fmt.Errorf("no valid signature of %s by this key: %w", subject, errors.Join(errs...))
}

// signatureError says why l's annotation is not pub's signature of l's
// payload, or returns nil if it is.
func signatureError(l payloadLayer, pub *ecdsa.PublicKey) error {
	b64, ok := l.desc.Annotations[signatureAnnotation]
	if !ok || b64 == "" {
		return fmt.Errorf("no signature: the layer has no %s annotation", signatureAnnotation)
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("bad signature: annotation %s is not base64: %w", signatureAnnotation, err)
	}
	if !verify(pub, l.payload, sig) {
		return errors.New("bad signature: it does not verify with this public key (another key signed, or the payload was altered)")
	}
	return nil
}

// claimError says why l's payload does not claim subject, or returns nil
// if it does (cosign's SimpleClaimVerifier).
func claimError(l payloadLayer, subject v1.Hash) error {
	var p simpleSigning
	if err := json.Unmarshal(l.payload, &p); err != nil {
		return fmt.Errorf("payload is not cosign's simple-signing JSON: %w", err)
	}
	if p.Critical.Type != simpleSigningType {
		return fmt.Errorf("payload is of type %q, not %q", p.Critical.Type, simpleSigningType)
	}
	if got := p.Critical.Image.DockerManifestDigest; got != subject.String() {
		return fmt.Errorf("the signature is for %s not %s", got, subject)
	}
	return nil
}
