package attest

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

const emptyDigest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

var sampleSubject = v1.Descriptor{
	MediaType: types.OCIManifestSchema1,
	Size:      1234,
	Digest:    hashOf("image"),
	Platform:  &v1.Platform{OS: "linux", Architecture: "amd64"},
}

// goldenArtifact pins the manifest digest of sampleArtifact.
const goldenArtifact = "sha256:e2e4ea7abf47f80f0882be80561e20b1567cf1a8dc7b1f688f748bb2823f7e50"

func sampleArtifact(t *testing.T) v1.Image {
	t.Helper()
	img, err := Artifact(MediaTypeSPDX, []byte(`{"spdxVersion":"SPDX-2.3"}`), sampleSubject, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestArtifactManifest checks the OCI 1.1 artifact manifest field by field
// and pins its digest.
func TestArtifactManifest(t *testing.T) {
	img := sampleArtifact(t)
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil || d != hashOf(string(raw)) || d.String() != goldenArtifact {
		t.Errorf("digest %s (%v), want %s = sha256 of %s", d, err, goldenArtifact, raw)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"spdxVersion":"SPDX-2.3"}`
	if m.MediaType != types.OCIManifestSchema1 || m.ArtifactType != MediaTypeSPDX ||
		m.Config.MediaType != types.OCIEmptyJSON || m.Config.Digest.String() != emptyDigest || m.Config.Size != 2 ||
		len(m.Layers) != 1 || m.Layers[0].MediaType != MediaTypeSPDX || m.Layers[0].Digest != hashOf(doc) ||
		m.Layers[0].Size != int64(len(doc)) || m.Annotations[AnnotationCreated] != "2024-05-06T07:08:09Z" {
		t.Errorf("manifest %s", raw)
	}
	if m.Subject == nil || m.Subject.Digest != sampleSubject.Digest || m.Subject.Size != 1234 ||
		m.Subject.MediaType != types.OCIManifestSchema1 || m.Subject.Platform != nil {
		t.Errorf("subject %+v, want the image's media type, digest and size only", m.Subject)
	}
	desc, err := partial.Descriptor(img)
	if err != nil || desc.ArtifactType != MediaTypeSPDX {
		t.Errorf("descriptor %+v (%v), want artifactType %s", desc, err, MediaTypeSPDX)
	}
}

// TestArtifactBlobs: ggcr finds both blobs by digest, and the config,
// read as a layer, keeps the empty media type.
func TestArtifactBlobs(t *testing.T) {
	img := sampleArtifact(t)
	cfg, err := img.RawConfigFile()
	if err != nil || string(cfg) != "{}" {
		t.Fatalf("config %q (%v)", cfg, err)
	}
	cl, err := partial.ConfigLayer(img)
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := cl.MediaType(); mt != types.OCIEmptyJSON {
		t.Errorf("config layer media type %s", mt)
	}
	for _, h := range []v1.Hash{hashOf("{}"), hashOf(`{"spdxVersion":"SPDX-2.3"}`)} {
		l, err := img.LayerByDigest(h)
		if err != nil {
			t.Fatalf("LayerByDigest(%s): %v", h, err)
		}
		if got, _ := l.Digest(); got != h {
			t.Errorf("LayerByDigest(%s) gave %s", h, got)
		}
	}
	if _, err := img.LayerByDigest(hashOf("other")); err == nil {
		t.Error("LayerByDigest found a blob the artifact does not have")
	}
}

func TestArtifactRejects(t *testing.T) {
	if _, err := Artifact("", nil, sampleSubject, epoch); err == nil {
		t.Error("an artifact without a type was made")
	}
	if _, err := Artifact(MediaTypeSPDX, nil, v1.Descriptor{}, epoch); err == nil || !strings.Contains(err.Error(), "subject") {
		t.Errorf("error %v, want one about the subject", err)
	}
}

// newRegistry starts ggcr's registry with the referrers API on loopback.
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)), ggcrregistry.WithReferrersSupport(true)))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// pushSubject pushes a small image and returns its descriptor.
func pushSubject(t *testing.T, repo string) v1.Descriptor {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	desc, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	return *desc
}

// TestArtifactRemoteWrite pushes an artifact with ggcr's remote.Write and
// finds it through the referrers API of the image it is about.
func TestArtifactRemoteWrite(t *testing.T) {
	repo := newRegistry(t) + "/app"
	subject := pushSubject(t, repo)
	art, err := Artifact(MediaTypeInToto, []byte(`{"_type":"x"}`), subject, epoch)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := art.Digest()
	ref, _ := name.NewDigest(repo + "@" + d.String())
	if err := remote.Write(ref, art); err != nil {
		t.Fatalf("remote.Write: %v", err)
	}
	checkReferrer(t, repo, subject, d, MediaTypeInToto)
	pulled, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := pulled.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("pulled layers %v (%v)", layers, err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != `{"_type":"x"}` {
		t.Errorf("pulled document %q", b)
	}
}

// TestArtifactLadingPush attaches an SBOM and a provenance artifact with
// lading's own pusher (registry.PushReferrers) and lists them back.
func TestArtifactLadingPush(t *testing.T) {
	repo := newRegistry(t) + "/app"
	subject := pushSubject(t, repo)
	sbom, err := Artifact(MediaTypeSPDX, []byte(`{"spdxVersion":"SPDX-2.3"}`), subject, epoch)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := Artifact(MediaTypeInToto, []byte(`{"_type":"x"}`), subject, epoch)
	if err != nil {
		t.Fatal(err)
	}
	c, err := registry.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.PushReferrers(ctx, repo, subject, []v1.Image{sbom, prov}); err != nil {
		t.Fatalf("lading push: %v", err)
	}
	for _, a := range []v1.Image{sbom, prov} {
		d, _ := a.Digest()
		m, _ := a.Manifest()
		got, err := c.Referrers(ctx, repo, subject.Digest, m.ArtifactType)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Digest != d || got[0].ArtifactType != m.ArtifactType {
			t.Errorf("referrers of type %s: %+v, want %s", m.ArtifactType, got, d)
		}
		checkReferrer(t, repo, subject, d, m.ArtifactType)
	}
}

// checkReferrer finds the artifact want among the subject's referrers and
// reads its artifactType from the manifest the registry serves. (ggcr's
// registry fills a referrer's artifactType from the config's media type,
// ignoring the manifest's artifactType, so the referrers entry cannot tell.)
func checkReferrer(t *testing.T, repo string, subject v1.Descriptor, want v1.Hash, artifactType string) {
	t.Helper()
	sref, _ := name.NewDigest(repo + "@" + subject.Digest.String())
	idx, err := remote.Referrers(sref)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(im.Manifests, func(m v1.Descriptor) bool { return m.Digest == want }) {
		t.Fatalf("referrers of %s: %+v, want %s among them", subject.Digest, im.Manifests, want)
	}
	ref, _ := name.NewDigest(repo + "@" + want.String())
	got, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	m, err := got.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != artifactType || m.Subject == nil || m.Subject.Digest != subject.Digest {
		t.Errorf("served manifest has artifactType %q and subject %+v, want %s about %s", m.ArtifactType, m.Subject, artifactType, subject.Digest)
	}
}

// TestArtifactLayout writes an image with an artifact as its referrer
// into an OCI layout with registry/oci's writer: every blob lands, and the
// referrer is found again by its subject with its artifact type.
func TestArtifactLayout(t *testing.T) {
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	subject, err := partial.Descriptor(img)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"spdxVersion":"SPDX-2.3"}`
	art, err := Artifact(MediaTypeSPDX, []byte(doc), *subject, epoch)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := oci.WriteLayout(context.Background(), dir, img, "app", art); err != nil {
		t.Fatal(err)
	}
	d, _ := art.Digest()
	for _, h := range []string{d.Hex, strings.TrimPrefix(emptyDigest, "sha256:"), hashOf(doc).Hex} {
		if _, err := os.Stat(filepath.Join(dir, "blobs", "sha256", h)); err != nil {
			t.Errorf("layout lacks blob %s: %v", h, err)
		}
	}
	refs, err := oci.LayoutReferrers(dir, subject.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 1 || refs[0].Digest != d || refs[0].ArtifactType != MediaTypeSPDX || refs[0].Platform != nil {
		t.Errorf("layout referrers %+v, want %s of type %s", refs, d, MediaTypeSPDX)
	}
	if err := oci.CheckLayout(dir); err != nil {
		t.Errorf("the layout does not check: %v", err)
	}
}

// TestDocument: Document reads back what Artifact carries, and refuses an
// image that is not one document.
func TestDocument(t *testing.T) {
	doc := []byte(`{"spdxVersion":"SPDX-2.3"}`)
	img, err := Artifact(MediaTypeSPDX, doc, sampleSubject, epoch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Document(img)
	if err != nil || string(got) != string(doc) {
		t.Errorf("Document: %q, %v; want %q", got, err, doc)
	}
	two, err := mutate.AppendLayers(img, static.NewLayer(doc, MediaTypeSPDX))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Document(two); err == nil || !strings.Contains(err.Error(), "2 layers, want 1") {
		t.Errorf("Document of a two-layer image: %v, want a refusal", err)
	}
}
