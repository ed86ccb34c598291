package attest

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyJSON is the OCI 1.1 empty descriptor's content: an artifact's
// config when the artifact has none (image-spec, "Guidance for an Empty
// Descriptor"). Its digest is
// sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a.
const emptyJSON = "{}"

// AnnotationCreated is the image-spec annotation for when an artifact was
// made; Artifact sets it to the epoch.
const AnnotationCreated = "org.opencontainers.image.created"

// Artifact returns the OCI 1.1 artifact manifest that carries doc to where
// its subject is: an image manifest whose artifactType is artifactType,
// whose config is the empty descriptor and whose one layer is doc with
// artifactType as its media type, annotated with its creation time (the
// epoch, RFC 3339, UTC). subject keeps only its media type, digest and
// size, so descriptors with platforms or annotations name the same
// subject in the same bytes.
//
// The image works wherever a v1.Image goes: remote.Write and lading's
// pusher push its config and layer blobs, registry/oci's Walk and layout
// writer list them, and partial.Descriptor gives its artifactType for an
// index or referrers entry.
func Artifact(artifactType string, doc []byte, subject v1.Descriptor, epoch time.Time) (v1.Image, error) {
	switch {
	case artifactType == "":
		return nil, fmt.Errorf("artifact: no artifact type")
	case !isSHA256(subject.Digest) || subject.MediaType == "" || subject.Size <= 0:
		return nil, fmt.Errorf("artifact of type %s: subject %s (%s, %d bytes) is not a manifest descriptor",
			artifactType, subject.Digest, subject.MediaType, subject.Size)
	}
	config := static.NewLayer([]byte(emptyJSON), types.OCIEmptyJSON)
	layer := static.NewLayer(doc, types.MediaType(artifactType))
	configDesc, err := partial.Descriptor(config)
	if err != nil {
		return nil, fmt.Errorf("describe artifact config: %w", err)
	}
	layerDesc, err := partial.Descriptor(layer)
	if err != nil {
		return nil, fmt.Errorf("describe artifact layer: %w", err)
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        *configDesc,
		Layers:        []v1.Descriptor{*layerDesc},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest},
		Annotations:   map[string]string{AnnotationCreated: epoch.UTC().Format(time.RFC3339)},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode artifact manifest: %w", err)
	}
	return partial.CompressedToImage(&artifact{manifest: raw, config: config, layer: layer})
}

// artifact is the core of an artifact image: its manifest bytes and its
// two blobs, held in memory (an SBOM or a statement is small).
type artifact struct {
	manifest      []byte
	config, layer v1.Layer
}

var _ partial.CompressedImageCore = (*artifact)(nil)

// RawConfigFile implements partial.CompressedImageCore.
func (a *artifact) RawConfigFile() ([]byte, error) { return []byte(emptyJSON), nil }

// MediaType implements partial.CompressedImageCore.
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// RawManifest implements partial.CompressedImageCore.
func (a *artifact) RawManifest() ([]byte, error) { return a.manifest, nil }

// ConfigLayer returns the config blob with its own media type; partial's
// generic config layer would call it a Docker config.
func (a *artifact) ConfigLayer() (v1.Layer, error) { return a.config, nil }

// LayerByDigest implements partial.CompressedImageCore: the document, or
// the config, which ggcr also looks up this way.
func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, l := range []v1.Layer{a.layer, a.config} {
		if d, err := l.Digest(); err == nil && d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("artifact has no blob %s", h)
}

// MaxDocument caps the document Document reads: an SBOM or provenance of
// an untrusted artifact is refused beyond it, never held whole.
const MaxDocument = 64 << 20

// Document reads the document an artifact carries, the inverse of
// Artifact: its one layer's bytes, at most MaxDocument of them. The layer
// checks its bytes against its digest as it is read (registry and layout
// blobs are verified by the readers lading opens them with).
func Document(img v1.Image) ([]byte, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("read artifact: %w", err)
	}
	if len(layers) != 1 {
		return nil, fmt.Errorf("the artifact has %d layers, want 1, its document", len(layers))
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		return nil, fmt.Errorf("read artifact: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read artifact: %w", err)
	}
	if len(b) > MaxDocument {
		return nil, fmt.Errorf("the artifact's document is over %d bytes", MaxDocument)
	}
	return b, nil
}
