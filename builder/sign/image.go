package sign

import (
	"bytes"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// What cosign puts in its signature and attestation images.
const (
	// signatureAnnotation holds, on each layer of a .sig image, the base64
	// signature of the layer's payload; on a .att layer it is present and
	// empty (the signature is inside the DSSE envelope).
	signatureAnnotation = "dev.cosignproject.cosign/signature"
	// predicateTypeAnnotation names, on each .att layer, the predicate
	// type of the statement inside.
	predicateTypeAnnotation = "predicateType"
	// simpleSigningMediaType is the media type of a .sig layer.
	simpleSigningMediaType types.MediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// dsseMediaType is the media type of a .att layer.
	dsseMediaType types.MediaType = "application/vnd.dsse.envelope.v1+json"
	// maxPayload bounds what is read of one layer of a signature or
	// attestation image: cosign's default COSIGN_MAX_ATTACHMENT_SIZE.
	maxPayload = 128 << 20
)

// SignatureTag returns the tag cosign keeps the signatures of the manifest
// with digest d under, in the same repository: "sha256-<hex>.sig".
func SignatureTag(d v1.Hash) string {
	return d.Algorithm + "-" + d.Hex + ".sig"
}

// AttestationTag returns the tag cosign keeps the attestations of the
// manifest with digest d under, in the same repository: "sha256-<hex>.att".
func AttestationTag(d v1.Hash) string {
	return d.Algorithm + "-" + d.Hex + ".att"
}

// emptySignatures is the image cosign starts a new .sig or .att image from
// (its oci/empty.Signatures): ggcr's empty image with OCI media types.
// Appending layers gives a config whose only content is the layers' diff
// IDs and an empty history entry for each, so the image is deterministic
// apart from the signatures in it.
func emptySignatures() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// appendLayers returns base (emptySignatures when nil) with one layer per
// payload added, of media type mt and with the annotations of the same
// index, the way cosign's mutate.AppendSignatures adds them.
func appendLayers(base v1.Image, mt types.MediaType, payloads [][]byte, annotations []map[string]string) (v1.Image, error) {
	if base == nil {
		base = emptySignatures()
	}
	adds := make([]mutate.Addendum, len(payloads))
	for i, p := range payloads {
		adds[i] = mutate.Addendum{Layer: static.NewLayer(p, mt), Annotations: annotations[i]}
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, fmt.Errorf("append signature layers: %w", err)
	}
	return img, nil
}

// payloadLayer is one layer of a signature or attestation image: its
// position, descriptor and bytes.
type payloadLayer struct {
	index   int
	desc    v1.Descriptor
	payload []byte
}

// payloadLayers reads the layers of img whose media type is mt, in
// manifest order. img may be nil (no image yet): it has none.
func payloadLayers(img v1.Image, mt types.MediaType) ([]payloadLayer, error) {
	if img == nil {
		return nil, nil
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read signature manifest: %w", err)
	}
	var out []payloadLayer
	for i, desc := range m.Layers {
		if desc.MediaType != mt {
			continue
		}
		b, err := readPayload(img, desc)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i+1, err)
		}
		out = append(out, payloadLayer{index: i + 1, desc: desc, payload: b})
	}
	return out, nil
}

// readPayload reads the blob desc names from img: the layer's bytes as
// stored (cosign's layers are not compressed), at most maxPayload of them.
func readPayload(img v1.Image, desc v1.Descriptor) ([]byte, error) {
	if desc.Size > maxPayload {
		return nil, fmt.Errorf("payload %s is %d bytes, more than the %d a signature layer may have", desc.Digest, desc.Size, maxPayload)
	}
	l, err := img.LayerByDigest(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("find payload %s: %w", desc.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("read payload %s: %w", desc.Digest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, desc.Size+1))
	if err != nil {
		return nil, fmt.Errorf("read payload %s: %w", desc.Digest, err)
	}
	if int64(len(b)) != desc.Size {
		return nil, fmt.Errorf("payload %s is %d bytes, the manifest says %d", desc.Digest, len(b), desc.Size)
	}
	if h, _, err := v1.SHA256(bytes.NewReader(b)); err != nil || h != desc.Digest {
		return nil, fmt.Errorf("payload %s does not match its digest", desc.Digest)
	}
	return b, nil
}
