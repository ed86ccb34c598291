package manifest

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// AnnotationCreated is the OCI annotation carrying the build epoch.
const AnnotationCreated = "org.opencontainers.image.created"

// Layer is a layer to append and the history line that describes it.
// CreatedBy must not contain host paths, user names or host names: it ends
// up in the image, which must be the same wherever it was built.
type Layer struct {
	Layer     v1.Layer
	CreatedBy string
}

// Image describes one platform's image.
type Image struct {
	// Base is the image to build on; nil means scratch.
	Base     v1.Image
	Layers   []Layer
	Platform v1.Platform
	// Epoch is every timestamp the image carries.
	Epoch  time.Time
	Config Patch
	// Annotations go on the manifest; AnnotationCreated is always set.
	Annotations map[string]string
}

// Scratch is the empty OCI image that scratch builds start from.
func Scratch() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// Build assembles the image: base layers kept byte for byte, spec layers
// appended with one history entry each, config merged with the patch, and
// every timestamp set to the epoch.
func Build(spec Image) (v1.Image, error) {
	var base v1.Image = bareBase{spec.Base}
	if spec.Base == nil {
		base = Scratch()
	}
	epoch := v1.Time{Time: spec.Epoch.UTC().Truncate(time.Second)}
	adds, err := addenda(base, spec.Layers, epoch)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, fmt.Errorf("append layers: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read base config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Created = epoch
	cf.OS, cf.Architecture, cf.Variant = spec.Platform.OS, spec.Platform.Architecture, spec.Platform.Variant
	cf.OSVersion, cf.OSFeatures = spec.Platform.OSVersion, spec.Platform.OSFeatures
	cf.Config = spec.Config.Apply(cf.Config)
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, fmt.Errorf("set config: %w", err)
	}
	anns := map[string]string{AnnotationCreated: epoch.Format(time.RFC3339)}
	for k, v := range spec.Annotations {
		anns[k] = v
	}
	return mutate.Annotations(img, anns).(v1.Image), nil
}

// addenda describes the layers to append, each with its history line. On a
// Docker-format base the layers get Docker media types, so the image keeps
// the base's format (a Docker manifest listing OCI layers is neither).
func addenda(base v1.Image, layers []Layer, epoch v1.Time) ([]mutate.Addendum, error) {
	mt, err := base.MediaType()
	if err != nil {
		return nil, fmt.Errorf("read base media type: %w", err)
	}
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		adds[i] = mutate.Addendum{Layer: l.Layer, History: v1.History{Created: epoch, CreatedBy: l.CreatedBy}}
		if mt != types.DockerManifestSchema2 {
			continue
		}
		dmt, err := dockerLayerType(l.Layer)
		if err != nil {
			return nil, err
		}
		adds[i].Layer = typedLayer{Layer: l.Layer, mt: dmt}
	}
	return adds, nil
}

// typedLayer is a layer presented under another media type for the same
// bytes (gzip tar is gzip tar, whether OCI or Docker names it).
type typedLayer struct {
	v1.Layer
	mt types.MediaType
}

var _ v1.Layer = typedLayer{}

// MediaType returns the media type the layer is presented under.
func (t typedLayer) MediaType() (types.MediaType, error) { return t.mt, nil }

// dockerLayerType maps an OCI layer media type to Docker's.
func dockerLayerType(l v1.Layer) (types.MediaType, error) {
	mt, err := l.MediaType()
	if err != nil {
		return "", fmt.Errorf("read layer media type: %w", err)
	}
	switch mt {
	case types.OCILayer, types.DockerLayer:
		return types.DockerLayer, nil
	case types.OCIUncompressedLayer, types.DockerUncompressedLayer:
		return types.DockerUncompressedLayer, nil
	}
	return "", fmt.Errorf("the base image is in Docker format, which has no media type for %s layers; use gzip compression or an OCI base", mt)
}
