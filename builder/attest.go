package builder

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"

	"github.com/lading-dev/lading/builder/attest"
	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/layer/cache"
)

// Attest says which supply-chain documents a build makes and attaches to
// its images (issue 12), and the facts its provenance records that only
// cmd knows.
type Attest struct {
	// SBOM attaches an SPDX 2.3 SBOM to every platform image.
	SBOM bool
	// Provenance attaches an in-toto statement with a SLSA v1 provenance
	// predicate to every platform image and to the index.
	Provenance bool
	// LadingVersion names the builder in the provenance and the SBOM.
	LadingVersion string
	// SpecPath is the spec's path relative to its git checkout's root (or
	// as given outside a checkout); "" without a spec. SpecDigest is the
	// sha256 of its bytes.
	SpecPath   string
	SpecDigest v1.Hash
	// GitCommit and GitRemote are the checkout's HEAD and origin URL
	// ("" outside one); GitDirty says it had uncommitted changes.
	GitCommit, GitRemote string
	GitDirty             bool
	// Signer, when set, signs every pushed manifest and index and the
	// attestations in cosign's format; nil signs nothing.
	Signer Signer
}

// Signer makes cosign's signature (.sig) and attestation (.att) images;
// builder/sign's Signer is one. existing is what the tag holds already
// (nil: nothing), which the new image keeps.
type Signer interface {
	SignImage(subject v1.Hash, dockerRef string, existing v1.Image) (v1.Image, error)
	Attest(subject v1.Hash, statements [][]byte, existing v1.Image) (v1.Image, error)
}

// Kinds of referrer.
const (
	referrerSBOM       = "sbom"
	referrerProvenance = "provenance"
)

// referrer is one document attached to a platform image or the index: an
// OCI 1.1 artifact whose subject is the image's manifest.
type referrer struct {
	subject  v1.Descriptor
	platform string // "" for the index
	kind     string // referrerSBOM or referrerProvenance
	artifact v1.Image
	// statement is what a signer attests: the provenance statement, or
	// the SBOM wrapped in an in-toto statement.
	statement []byte
}

// AttestationInfo describes one attached document in the --metadata-file
// document.
type AttestationInfo struct {
	// Subject is the digest of the manifest it describes.
	Subject v1.Hash `json:"subject"`
	// Platform is the subject's platform; empty for the index.
	Platform     string  `json:"platform,omitempty"`
	Kind         string  `json:"kind"`
	ArtifactType string  `json:"artifactType"`
	Digest       v1.Hash `json:"digest"`
}

// attachments makes the SBOM and provenance of every platform image, and
// the index's provenance, in platform order: the same inputs give the same
// documents, byte for byte. Without an SBOM no file is read for them.
func (r *build) attachments(art product, images []platformImage) ([]referrer, error) {
	a := r.req.Attest
	if !a.SBOM && !a.Provenance {
		return nil, nil
	}
	name := imageName(r.req.Tags)
	descs := make([]v1.Descriptor, len(images))
	subjects := make([]attest.Subject, len(images))
	for i, pi := range images {
		d, err := subjectOf(pi.image)
		if err != nil {
			return nil, fmt.Errorf("describe image: %w", err)
		}
		descs[i], subjects[i] = d, attest.Subject{Name: name, Digest: d.Digest}
	}
	var out []referrer
	if a.SBOM {
		for i, pi := range images {
			platform := platformString(pi.platform)
			img, err := r.sbomImage(name, descs[i].Digest, platform, pi)
			if err != nil {
				return nil, fmt.Errorf("SBOM (%s): %w", platform, err)
			}
			ref, err := r.sbomReferrer(img, descs[i], platform)
			if err != nil {
				return nil, fmt.Errorf("SBOM (%s): %w", platform, err)
			}
			out = append(out, ref)
		}
	}
	if !a.Provenance {
		return out, nil
	}
	goVersion, err := r.goVersion(images)
	if err != nil {
		return nil, err
	}
	for i, pi := range images {
		ref, err := r.provenanceReferrer(descs[i], platformString(pi.platform), subjects[i:i+1], goVersion, images)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	if art.index != nil {
		d, err := subjectOf(art.index)
		if err != nil {
			return nil, fmt.Errorf("describe index: %w", err)
		}
		all := append([]attest.Subject{{Name: name, Digest: d.Digest}}, subjects...)
		ref, err := r.provenanceReferrer(d, "", all, goVersion, images)
		if err != nil {
			return nil, err
		}
		out = append(out, ref)
	}
	return out, nil
}

// subjectOf is the descriptor a referrer's subject names: media type,
// digest and size.
func subjectOf(a partial.Describable) (v1.Descriptor, error) {
	d, err := partial.Descriptor(a)
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, nil
}

// goVersion is the version of the Go toolchain that built the go layers
// (the first platform's), "" without any: read from the binaries' build
// info, never from a Go program a files or run layer brought.
func (r *build) goVersion(images []platformImage) (string, error) {
	for _, pi := range images {
		for i, bl := range pi.layers {
			if i >= len(r.req.Layers) || r.req.Layers[i].Go == nil {
				continue
			}
			for _, e := range bl.entries {
				if e.Kind != layer.File || e.Source == "" {
					continue
				}
				gb, ok, err := attest.GoBinaryInfo(e.Source, e.Path)
				if err != nil {
					return "", fmt.Errorf("layer %s: %w", bl.name, err)
				}
				if ok {
					return gb.GoVersion, nil
				}
			}
		}
	}
	return "", nil
}

// sbomReferrer wraps img's SBOM in an artifact and an in-toto statement.
func (r *build) sbomReferrer(img attest.Image, subject v1.Descriptor, platform string) (referrer, error) {
	doc, err := attest.SBOM(img, r.req.Epoch, r.req.Attest.LadingVersion)
	if err != nil {
		return referrer{}, err
	}
	artifact, err := attest.Artifact(attest.MediaTypeSPDX, doc, subject, r.req.Epoch)
	if err != nil {
		return referrer{}, err
	}
	st, err := attest.SBOMStatement(img.Name, subject.Digest, doc)
	if err != nil {
		return referrer{}, err
	}
	return referrer{subject: subject, platform: platform, kind: referrerSBOM, artifact: artifact, statement: st}, nil
}

// provenanceReferrer makes the provenance of subjects, attached to subject.
func (r *build) provenanceReferrer(subject v1.Descriptor, platform string, subjects []attest.Subject, goVersion string, images []platformImage) (referrer, error) {
	a := r.req.Attest
	p := attest.Provenance{
		Subjects: subjects, LadingVersion: a.LadingVersion,
		SpecPath: a.SpecPath, SpecDigest: a.SpecDigest,
		Platforms: platformNames(images), Tags: r.req.Tags, Base: r.req.Base,
		GitCommit: a.GitCommit, GitRemote: a.GitRemote, GitDirty: a.GitDirty,
		GoVersion: goVersion, Epoch: r.req.Epoch,
		Compression: string(r.req.Compression), CompressionLevel: r.req.Level,
	}
	if b := r.baseInfo(); b != nil {
		p.Bases = []attest.Base{*b}
	}
	st, err := attest.ProvenanceStatement(p)
	if err != nil {
		return referrer{}, fmt.Errorf("provenance: %w", err)
	}
	artifact, err := attest.Artifact(attest.MediaTypeInToto, st, subject, r.req.Epoch)
	if err != nil {
		return referrer{}, fmt.Errorf("provenance: %w", err)
	}
	return referrer{subject: subject, platform: platform, kind: referrerProvenance, artifact: artifact, statement: st}, nil
}

// platformNames lists the platforms built (those the base has, for
// --platform all), as asked.
func platformNames(images []platformImage) []string {
	out := make([]string, 0, len(images))
	for _, pi := range images {
		out = append(out, platformString(pi.platform))
	}
	return out
}

// sbomImage lists what lading placed in pi: every regular file of its
// layers with its sha256 (from the layer cache's file digests when it has
// them), and the Go build info of every Go program among them.
func (r *build) sbomImage(subjectName string, d v1.Hash, platform string, pi platformImage) (attest.Image, error) {
	img := attest.Image{Name: subjectName, Digest: d, Platform: platform}
	img.Base = r.baseInfo()
	var sums *layer.Sums
	if r.req.LayerCache != nil {
		sums = r.req.LayerCache.Sums()
	} else {
		sums = layer.NewSums()
	}
	// A later layer's file hides an earlier one's at the same path: the
	// SBOM lists what the image shows.
	at := map[string]int{}
	for i, bl := range pi.layers {
		goLayer := i < len(r.req.Layers) && r.req.Layers[i].Go != nil
		for _, e := range bl.entries {
			if e.Kind != layer.File {
				continue
			}
			sum, err := layer.ContentDigest(e, sums)
			if err != nil {
				return img, fmt.Errorf("layer %s: %w", bl.name, err)
			}
			sha1, err := r.sha1s.of(e, sum)
			if err != nil {
				return img, fmt.Errorf("layer %s: %w", bl.name, err)
			}
			f := attest.File{Path: e.Path, SHA256: sum, SHA1: sha1, Size: e.Size, Layer: bl.name}
			if j, ok := at[e.Path]; ok {
				img.Files[j] = f
				img.Go = slices.DeleteFunc(img.Go, func(g attest.GoBinary) bool { return g.Path == e.Path })
			} else {
				at[e.Path] = len(img.Files)
				img.Files = append(img.Files, f)
			}
			if e.Source == "" || (!goLayer && e.Mode&0o111 == 0) { // an image's executables, by the mode Collect read
				continue
			}
			gb, ok, err := attest.GoBinaryInfo(e.Source, e.Path)
			if err != nil {
				return img, fmt.Errorf("layer %s: %w", bl.name, err)
			}
			if ok {
				img.Go = append(img.Go, *gb)
			}
		}
	}
	slices.SortFunc(img.Go, func(a, b attest.GoBinary) int { return strings.Compare(a.Path, b.Path) })
	return img, nil
}

// baseInfo names the base and its digest (the built-in static base's
// image's); nil for scratch.
func (r *build) baseInfo() *attest.Base {
	switch {
	case r.static != nil:
		d, err := r.static.Digest()
		if err != nil {
			return nil
		}
		return &attest.Base{Name: BaseStatic, Digest: d}
	case r.base.builtin():
		return nil
	}
	d, _ := r.base.digest()
	return &attest.Base{Name: r.base.name, Digest: d}
}

// imageName is what an image is known by in its documents: the first
// tag's repository, else "image".
func imageName(tags []string) string {
	if len(tags) == 0 {
		return "image"
	}
	ref, err := name.ParseReference(tags[0], name.WeakValidation)
	if err != nil {
		return tags[0]
	}
	return ref.Context().Name()
}

// referrerArtifacts returns the artifacts of refs, for a layout or archive.
func referrerArtifacts(refs []referrer) []v1.Image {
	out := make([]v1.Image, len(refs))
	for i, ref := range refs {
		out[i] = ref.artifact
	}
	return out
}

// attestationInfos describes refs for the metadata document.
func attestationInfos(refs []referrer) ([]AttestationInfo, error) {
	out := make([]AttestationInfo, 0, len(refs))
	for _, ref := range refs {
		d, err := ref.artifact.Digest()
		if err != nil {
			return nil, err
		}
		at := attest.MediaTypeSPDX
		if ref.kind == referrerProvenance {
			at = attest.MediaTypeInToto
		}
		out = append(out, AttestationInfo{Subject: ref.subject.Digest, Platform: ref.platform, Kind: ref.kind, ArtifactType: at, Digest: d})
	}
	return out, nil
}

// sha1Memo remembers files' SHA-1 (which SPDX 2.3 requires of every file)
// by their sha256, in the layer cache's sbom-sha1 file, so a rebuild whose
// files are known reads none of them again; without a layer cache it
// remembers for one build.
type sha1Memo struct {
	mu      sync.Mutex
	path    string // "" keeps nothing across builds
	known   map[string]string
	loaded  bool
	changed bool
}

func newSHA1Memo(c *cache.Cache) *sha1Memo {
	m := &sha1Memo{known: map[string]string{}}
	if c != nil {
		m.path = filepath.Join(c.Dir(), "sbom-sha1")
	}
	return m
}

// of returns the SHA-1 of e's bytes, whose sha256 is sum.
func (m *sha1Memo) of(e layer.Entry, sum v1.Hash) (string, error) {
	m.mu.Lock()
	m.load()
	v, ok := m.known[sum.Hex]
	m.mu.Unlock()
	if ok {
		return v, nil
	}
	h := sha1.New()
	var r io.Reader = bytes.NewReader(e.Data)
	if e.Source != "" {
		f, err := os.Open(e.Source)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	got, _, err := layer.HashCopy(h, r)
	if err != nil {
		return "", err
	}
	if got != sum {
		return "", fmt.Errorf("%s changed while the SBOM was made (%s, was %s)", e.Source, got, sum)
	}
	v = hex.EncodeToString(h.Sum(nil))
	m.mu.Lock()
	m.known[sum.Hex], m.changed = v, true
	m.mu.Unlock()
	return v, nil
}

// load reads the memo file once; a damaged line ends the read.
func (m *sha1Memo) load() {
	if m.loaded {
		return
	}
	m.loaded = true
	if m.path == "" {
		return
	}
	b, err := os.ReadFile(m.path)
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok || len(k) != 64 || len(v) != 40 {
			return
		}
		m.known[k] = v
	}
}

// save writes the memo back when it learned something; a failure only
// costs the next build the reads.
func (m *sha1Memo) save(logger *slog.Logger) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.path == "" || !m.changed {
		return
	}
	keys := slices.Sorted(maps.Keys(m.known))
	err := atomicfile.Write(m.path, 0o644, func(w io.Writer) error {
		for _, k := range keys {
			if _, err := fmt.Fprintf(w, "%s %s\n", k, m.known[k]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		logger.Warn("could not remember the SBOM's file digests", "file", m.path, "err", err)
	}
}
