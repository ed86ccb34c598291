package builder

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/registry"
)

// MetadataSchemaVersion is Result's SchemaVersion: raised when a field of
// the --metadata-file document is renamed, removed or changes meaning
// (adding a field keeps it).
const MetadataSchemaVersion = 1

// Result describes what a build made and wrote; it is the --metadata-file
// document.
type Result struct {
	// SchemaVersion is MetadataSchemaVersion, first so a reader checks it
	// before anything else.
	SchemaVersion int             `json:"schemaVersion"`
	Digest        v1.Hash         `json:"digest"`
	MediaType     types.MediaType `json:"mediaType"`
	Size          int64           `json:"size"`
	Platforms     []string        `json:"platforms"`
	Base          *BaseInfo       `json:"base,omitempty"`
	// Manifests lists each platform's image manifest.
	Manifests []ManifestInfo `json:"manifests"`
	Outputs   []Written      `json:"outputs"`
	// Pushed lists every reference and manifest pushed, with --push.
	Pushed *registry.PushResult `json:"pushed,omitempty"`
	// Attestations lists the SBOM and provenance documents attached to
	// each platform image and the index (issue 12).
	Attestations []AttestationInfo `json:"attestations"`
	// Referrers lists, with --push, every document pushed beside the
	// image: the attestations and, with a signing key, the signatures.
	Referrers []PushedReferrer `json:"referrers,omitempty"`
	// LayersPacked counts the layers this build tarred and compressed;
	// 0 when every layer came from the layer cache.
	LayersPacked int64 `json:"layersPacked"`
}

// BaseInfo names the base used and its digest.
type BaseInfo struct {
	Name   string  `json:"name"`
	Digest v1.Hash `json:"digest,omitzero"`
}

// ManifestInfo describes one platform's image.
type ManifestInfo struct {
	Platform string  `json:"platform"`
	Digest   v1.Hash `json:"digest"`
	// Config is the config's digest: the image ID docker and podman show.
	Config v1.Hash     `json:"config"`
	Layers []LayerInfo `json:"layers"`
}

// LayerInfo describes one layer of an image: the base's first, then
// lading's, which carry their name from the spec (or "add" for --add).
type LayerInfo struct {
	Name      string          `json:"name,omitempty"`
	Digest    v1.Hash         `json:"digest"`
	DiffID    v1.Hash         `json:"diffID"`
	Size      int64           `json:"size"`
	MediaType types.MediaType `json:"mediaType"`
	// Cached is true for a layer of lading's that the layer cache
	// supplied, so nothing was tarred or compressed for it.
	Cached bool `json:"cached"`
	// CacheSource says which cache: SourceLocal or SourceRegistry (the
	// shared tier, --cache-repo); empty when the layer was packed.
	CacheSource string `json:"cacheSource,omitempty"`
}

// Written is one output that was written. Digest is what the output is
// known by: the image's or index's manifest digest, except for a
// docker-archive, whose Digest is its image ID (see ImageID).
type Written struct {
	Kind   OutputKind `json:"kind"`
	Path   string     `json:"path"`
	Ref    string     `json:"ref,omitempty"`
	Digest v1.Hash    `json:"digest"`
	// ImageID is a docker-archive's image ID, its config digest: what
	// docker load, docker images and podman images show.
	ImageID v1.Hash `json:"imageID,omitzero"`
}

// Line is the stdout line for w: DEST@sha256:….
func (w Written) Line() string {
	return fmt.Sprintf("%s@%s", w.Path, w.Digest)
}

// newResult describes the build's artifact and its images.
func newResult(b base, art product, images []platformImage) (*Result, error) {
	a := art.value()
	desc, err := partial.Descriptor(a)
	if err != nil {
		return nil, fmt.Errorf("describe image: %w", err)
	}
	res := &Result{SchemaVersion: MetadataSchemaVersion, Digest: desc.Digest, MediaType: desc.MediaType, Size: desc.Size, Outputs: []Written{}}
	if !b.builtin() || b.name == BaseStatic {
		d, _ := b.digest()
		res.Base = &BaseInfo{Name: b.name, Digest: d}
	}
	for _, pi := range images {
		mi, err := describeImage(pi)
		if err != nil {
			return nil, err
		}
		res.Platforms = append(res.Platforms, mi.Platform)
		res.Manifests = append(res.Manifests, mi)
	}
	return res, nil
}

// describeImage lists one platform image's digest and every layer.
func describeImage(pi platformImage) (ManifestInfo, error) {
	d, err := pi.image.Digest()
	if err != nil {
		return ManifestInfo{}, fmt.Errorf("digest image: %w", err)
	}
	m, err := pi.image.Manifest()
	if err != nil {
		return ManifestInfo{}, fmt.Errorf("read manifest: %w", err)
	}
	cf, err := pi.image.ConfigFile()
	if err != nil {
		return ManifestInfo{}, fmt.Errorf("read config: %w", err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return ManifestInfo{}, fmt.Errorf("image for %s: config lists %d diff_ids for %d layers", pi.platform, len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	mi := ManifestInfo{Platform: pi.platform.String(), Digest: d, Config: m.Config.Digest, Layers: []LayerInfo{}}
	first := len(m.Layers) - len(pi.layers) // lading's layers come last
	for i, l := range m.Layers {
		li := LayerInfo{Digest: l.Digest, DiffID: cf.RootFS.DiffIDs[i], Size: l.Size, MediaType: l.MediaType}
		if i >= first {
			bl := pi.layers[i-first]
			li.Name, li.Cached, li.CacheSource = bl.name, bl.source != "", bl.source
		}
		mi.Layers = append(mi.Layers, li)
	}
	return mi, nil
}
