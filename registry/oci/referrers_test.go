package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// Artifact types of the referrers the tests attach, as lading's builds do.
const (
	spdxType    = "application/spdx+json"
	intotoType  = "application/vnd.in-toto+json"
	emptyConfig = "application/vnd.oci.empty.v1+json"
)

// rawArtifact is an OCI 1.1 artifact as builder/attest makes one: an
// image manifest with artifactType, the empty config, one layer holding
// the document, and a subject.
type rawArtifact struct {
	manifest []byte
	blobs    map[v1.Hash]v1.Layer
}

var _ partial.CompressedImageCore = (*rawArtifact)(nil)

func (a *rawArtifact) RawConfigFile() ([]byte, error)      { return []byte("{}"), nil }
func (a *rawArtifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *rawArtifact) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *rawArtifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := a.blobs[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("no blob %s", h)
}

// artifactOf makes the artifact of type artifactType holding doc, whose
// subject is the manifest subject (media type, digest and size only).
func artifactOf(t *testing.T, artifactType string, doc string, subject v1.Descriptor) v1.Image {
	t.Helper()
	cfg := static.NewLayer([]byte("{}"), emptyConfig)
	layerType := types.MediaType(spdxType)
	if artifactType == intotoType {
		layerType = "application/vnd.in-toto+json"
	}
	l := static.NewLayer([]byte(doc), layerType)
	desc := func(l v1.Layer) v1.Descriptor {
		d, err := partial.Descriptor(l)
		if err != nil {
			t.Fatal(err)
		}
		return *d
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: artifactType,
		Config: desc(cfg), Layers: []v1.Descriptor{desc(l)},
		Subject:     &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{"org.opencontainers.image.created": "1970-01-01T00:00:00Z"}}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	img, err := partial.CompressedToImage(&rawArtifact{manifest: raw,
		blobs: map[v1.Hash]v1.Layer{m.Config.Digest: cfg, m.Layers[0].Digest: l}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// platformIndex is an index of two random images, for linux/amd64 and
// linux/arm64.
func platformIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		img := randomImage(t)
		cf, err := img.ConfigFile()
		must(t, err)
		cf.OS, cf.Architecture = "linux", arch
		img, err = mutate.ConfigFile(img, cf)
		must(t, err)
		adds = append(adds, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
}

// attestations makes an SBOM and a provenance for every image of idx,
// and returns them with the images' descriptors.
func attestations(t *testing.T, idx v1.ImageIndex) ([]v1.Descriptor, []v1.Image) {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var refs []v1.Image
	for _, m := range im.Manifests {
		refs = append(refs, artifactOf(t, spdxType, `{"spdxVersion":"SPDX-2.3","name":"`+m.Digest.Hex+`"}`, m),
			artifactOf(t, intotoType, `{"_type":"https://in-toto.io/Statement/v1","n":"`+m.Digest.Hex+`"}`, m))
	}
	return im.Manifests, refs
}

func digestOf(t *testing.T, a interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	d, err := a.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// digests lists the digests of descs.
func digests(descs []v1.Descriptor) []string {
	var out []string
	for _, d := range descs {
		out = append(out, d.Digest.String())
	}
	return out
}

// TestLayoutReferrers writes a two-platform index with an SBOM and a
// provenance per platform: index.json lists the image under its ref and
// each referrer without one, with artifactType and its subject; ggcr's
// layout package reads every entry; LayoutReferrers lists each platform's
// two; OpenLayout still finds the one image.
func TestLayoutReferrers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	idx := platformIndex(t)
	platforms, refs := attestations(t, idx)
	if err := WriteLayout(context.Background(), dir, idx, "v1", refs...); err != nil {
		t.Fatal(err)
	}
	ms := readIndex(t, dir).Manifests
	if len(ms) != 5 || ms[0].Annotations[AnnotationRefName] != "v1" || ms[0].Digest != digestOf(t, idx) {
		t.Fatalf("index.json lists %+v, want the index under v1 then 4 referrers", ms)
	}
	for i, m := range ms[1:] {
		if _, named := m.Annotations[AnnotationRefName]; named || m.ArtifactType == "" || m.MediaType != types.OCIManifestSchema1 {
			t.Errorf("referrer entry %d: %+v, want an image manifest with artifactType and no ref name", i, m)
		}
	}
	if !slices.IsSortedFunc(ms[1:], func(a, b v1.Descriptor) int {
		return strings.Compare(a.Annotations[AnnotationReferrerSubject]+a.ArtifactType, b.Annotations[AnnotationReferrerSubject]+b.ArtifactType)
	}) {
		t.Errorf("referrer entries are not sorted by subject and artifactType: %+v", ms[1:])
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	gidx, err := top.ImageIndex(digestOf(t, idx))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(gidx); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[1:] {
		img, err := p.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		mf, err := img.Manifest()
		if err != nil || mf.Subject == nil || mf.Subject.Digest.String() != m.Annotations[AnnotationReferrerSubject] {
			t.Fatalf("ggcr reads referrer %s as %+v (%v), want its subject %s", m.Digest, mf, err, m.Annotations[AnnotationReferrerSubject])
		}
	}
	for i, pl := range platforms {
		got, err := LayoutReferrers(dir, pl.Digest)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{digestOf(t, refs[2*i]).String(), digestOf(t, refs[2*i+1]).String()}
		if g := digests(got); !sameSet(g, want) || got[0].ArtifactType == got[1].ArtifactType {
			t.Errorf("referrers of %s: %v, want %v with two artifact types", pl.Digest, got, want)
		}
	}
	if got, err := LayoutReferrers(dir, digestOf(t, idx)); err != nil || len(got) != 0 {
		t.Errorf("referrers of the index: %v, %v; want none", got, err)
	}
	a, err := OpenLayout(dir, "")
	if err != nil || digestOf(t, a) != digestOf(t, idx) {
		t.Fatalf("OpenLayout(dir, \"\") = %v, %v; want the index, the layout's only image", a, err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestLayoutReferrersRewrite: writing the same referrers again does not
// duplicate them; replacing a ref drops the referrers of the image it
// named, unless another ref still reaches it, and keeps a referrer of a
// kept referrer.
func TestLayoutReferrersRewrite(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "layout")
	a, b := randomImage(t), randomImage(t)
	da, db := describe(t, a), describe(t, b)
	sbomA, sbomB := artifactOf(t, spdxType, `{"a":1}`, da), artifactOf(t, spdxType, `{"b":1}`, db)
	sigOfSbomB := artifactOf(t, intotoType, `{"sig":"b"}`, describe(t, sbomB))
	must(t, WriteLayout(ctx, dir, a, "v1", sbomA))
	must(t, WriteLayout(ctx, dir, a, "v1", sbomA))
	if n := len(readIndex(t, dir).Manifests); n != 2 {
		t.Fatalf("index.json has %d entries after writing one image and its SBOM twice, want 2", n)
	}
	must(t, WriteLayout(ctx, dir, b, "v2", sbomB, sigOfSbomB))
	must(t, WriteLayout(ctx, dir, b, "v1"))
	got := digests(readIndex(t, dir).Manifests)
	want := []string{db.Digest.String(), db.Digest.String(), digestOf(t, sbomB).String(), digestOf(t, sigOfSbomB).String()}
	if !sameSet(got, want) {
		t.Fatalf("after v1 moved from a to b, index.json lists %v, want b twice, b's SBOM and its signature (a's SBOM dropped)", got)
	}
	if !fileHasDigest(filepath.Join(dir, "blobs", "sha256", digestOf(t, sbomA).Hex), digestOf(t, sbomA)) {
		t.Error("the dropped referrer's blob was removed; blobs of replaced entries stay")
	}
	must(t, WriteLayout(ctx, dir, a, "v2"))
	must(t, WriteLayout(ctx, dir, a, "v1"))
	if got := digests(readIndex(t, dir).Manifests); !sameSet(got, []string{da.Digest.String(), da.Digest.String()}) {
		t.Fatalf("after both refs moved to a, index.json lists %v, want a twice and no referrer", got)
	}
}

// describe is the descriptor of a manifest, as a subject names it.
func describe(t *testing.T, img v1.Image) v1.Descriptor {
	t.Helper()
	d, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	return v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestReferrerWithForeignSubject: a referrer whose subject is not part of
// the image written is refused, before anything is written.
func TestReferrerWithForeignSubject(t *testing.T) {
	dir := t.TempDir()
	stray := artifactOf(t, spdxType, `{}`, describe(t, randomImage(t)))
	err := WriteLayout(context.Background(), filepath.Join(dir, "layout"), randomImage(t), "v1", stray)
	if err == nil || !strings.Contains(err.Error(), "is not a manifest of the image written") {
		t.Fatalf("got %v, want a refusal naming the foreign subject", err)
	}
	err = WriteOCIArchive(context.Background(), filepath.Join(dir, "a.tar"), randomImage(t), "v1", time.Unix(0, 0), stray)
	if err == nil {
		t.Fatal("WriteOCIArchive accepted a referrer of another image")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("refused writes left %v", left)
	}
}

// TestLayoutReferrersForged: an index.json entry whose subject annotation
// disagrees with its manifest's subject is an error, not a referrer.
func TestLayoutReferrersForged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	idx := platformIndex(t)
	platforms, refs := attestations(t, idx)
	must(t, WriteLayout(context.Background(), dir, idx, "v1", refs[0]))
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	must(t, err)
	forged := bytes.ReplaceAll(raw, []byte(platforms[0].Digest.String()), []byte(platforms[1].Digest.String()))
	must(t, os.WriteFile(filepath.Join(dir, "index.json"), forged, 0o644))
	if got, err := LayoutReferrers(dir, platforms[1].Digest); err == nil || !strings.Contains(err.Error(), "broken or forged") {
		t.Fatalf("got %v, %v; want an error saying the entry's manifest names another subject", got, err)
	}
}

// TestOCIArchiveReferrers: an oci-archive holds the referrers as a layout
// does, byte for byte the same for the same input, and OpenOCIArchive
// still opens the one image.
func TestOCIArchiveReferrers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	idx := platformIndex(t)
	platforms, refs := attestations(t, idx)
	epoch := time.Unix(1700000000, 0)
	for _, n := range []string{"1", "2"} {
		// The second write gets the referrers in another order.
		if n == "2" {
			slices.Reverse(refs)
		}
		must(t, WriteOCIArchive(ctx, filepath.Join(dir, n+".oci.tar"), idx, "v1", epoch, refs...))
	}
	one, _ := os.ReadFile(filepath.Join(dir, "1.oci.tar"))
	two, _ := os.ReadFile(filepath.Join(dir, "2.oci.tar"))
	if len(one) == 0 || !bytes.Equal(one, two) {
		t.Fatal("two writes of the same image and referrers gave different archives")
	}
	path := filepath.Join(dir, "1.oci.tar")
	for _, pl := range platforms {
		got, err := OCIArchiveReferrers(path, pl.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Annotations[AnnotationReferrerSubject] != pl.Digest.String() {
			t.Errorf("referrers of %s in the archive: %+v, want 2", pl.Digest, got)
		}
	}
	a, err := OpenOCIArchive(ctx, path, "", t.TempDir())
	if err != nil || digestOf(t, a) != digestOf(t, idx) {
		t.Fatalf("OpenOCIArchive = %v, %v; want the index", a, err)
	}
}

// requireTool returns the path of the external tool name, as
// cmd/lading's requireTool does: under -short the test skips; a tool
// missing from PATH skips it, or fails it when CI is set.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s; skipped under -short", name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		msg := fmt.Sprintf("%s not found on PATH; install it with: %s", name, install)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set, so this test may not skip)", msg)
		}
		t.Skipf("%s; skipping outside CI", msg)
	}
	return p
}

// orasInstall is how the oras tests' tool is installed.
const orasInstall = "go install oras.land/oras/cmd/oras@v1.3.6"

// TestOrasDiscoversLayoutReferrers: oras, another implementation, finds a
// platform image's SBOM and provenance in the layout lading wrote. oras
// 1.3 resolves DIR@DIGEST only for a digest that index.json lists, so a
// platform image inside an index is named by the index's ref and
// --platform.
func TestOrasDiscoversLayoutReferrers(t *testing.T) {
	oras := requireTool(t, "oras", orasInstall)
	dir := filepath.Join(t.TempDir(), "layout")
	idx := platformIndex(t)
	platforms, refs := attestations(t, idx)
	must(t, WriteLayout(context.Background(), dir, idx, "v1", refs...))
	out, err := exec.Command(oras, "discover", "--oci-layout", "--format", "json", "--platform", "linux/arm64", dir+":v1").CombinedOutput()
	if err != nil {
		t.Fatalf("oras discover: %v\n%s", err, out)
	}
	var tree struct {
		Digest    v1.Hash `json:"digest"`
		Referrers []struct {
			Digest       v1.Hash `json:"digest"`
			ArtifactType string  `json:"artifactType"`
		} `json:"referrers"`
	}
	if err := json.Unmarshal(out, &tree); err != nil {
		t.Fatalf("parse oras discover output: %v\n%s", err, out)
	}
	var got []string
	for _, r := range tree.Referrers {
		got = append(got, r.Digest.String()+" "+r.ArtifactType)
	}
	want := []string{digestOf(t, refs[2]).String() + " " + spdxType, digestOf(t, refs[3]).String() + " " + intotoType}
	if tree.Digest != platforms[1].Digest || !sameSet(got, want) {
		t.Fatalf("oras discover shows %s with %v, want %s with %v\n%s", tree.Digest, got, platforms[1].Digest, want, out)
	}
}
