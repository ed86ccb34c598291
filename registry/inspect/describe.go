package inspect

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/oci"
)

// Description is what `lading inspect` shows of an index or an image. Its
// JSON keys are stable: scripts read them.
type Description struct {
	Kind        string            `json:"kind"` // "index" or "image"
	Digest      string            `json:"digest"`
	MediaType   string            `json:"mediaType"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Manifests   []Entry           `json:"manifests,omitempty"` // an index's
	Platform    string            `json:"platform,omitempty"`  // an image's, from its config
	Config      *Config           `json:"config,omitempty"`
	Layers      []Layer           `json:"layers,omitempty"`
}

// Entry is one manifest an index names.
type Entry struct {
	Platform  string `json:"platform"` // "unknown" when the index gives none
	Digest    string `json:"digest"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
}

// Describe describes a: an index's entries, or an image's config,
// annotations and layers.
func Describe(a oci.Artifact) (Description, error) {
	switch a := a.(type) {
	case v1.ImageIndex:
		return describeIndex(a)
	case v1.Image:
		return describeImage(a)
	}
	return Description{}, fmt.Errorf("describe: %T is neither an image nor an index", a)
}

// describeIndex lists an index's entries in index order.
func describeIndex(idx v1.ImageIndex) (Description, error) {
	d, err := idx.Digest()
	if err != nil {
		return Description{}, fmt.Errorf("digest index: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return Description{}, fmt.Errorf("read index %s: %w", d, err)
	}
	out := Description{Kind: "index", Digest: d.String(), MediaType: string(im.MediaType), Annotations: im.Annotations}
	for _, m := range im.Manifests {
		out.Manifests = append(out.Manifests, Entry{Platform: platformOf(m), Digest: m.Digest.String(),
			MediaType: string(m.MediaType), Size: m.Size})
	}
	return out, nil
}

// describeImage reads an image's manifest and config (not its layers).
func describeImage(img v1.Image) (Description, error) {
	d, err := img.Digest()
	if err != nil {
		return Description{}, fmt.Errorf("digest image: %w", err)
	}
	m, err := img.Manifest()
	if err != nil {
		return Description{}, fmt.Errorf("read manifest %s: %w", d, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return Description{}, fmt.Errorf("read config %s of %s: %w", m.Config.Digest, d, err)
	}
	out := Description{Kind: "image", Digest: d.String(), MediaType: string(m.MediaType),
		Annotations: m.Annotations, Config: newConfig(m.Config.Digest, cf), Layers: layersOf(m, cf)}
	if p := cf.Platform(); p != nil {
		out.Platform = p.String()
	}
	return out, nil
}
