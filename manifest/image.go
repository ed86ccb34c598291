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
	adds := make([]mutate.Addendum, len(spec.Layers))
	for i, l := range spec.Layers {
		adds[i] = mutate.Addendum{Layer: l.Layer, History: v1.History{Created: epoch, CreatedBy: l.CreatedBy}}
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
