package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	inproc "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Artifact types of the referrers the tests attach, as lading's builds do.
const (
	spdxType   = "application/spdx+json"
	intotoType = "application/vnd.in-toto+json"
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
func artifactOf(t *testing.T, artifactType, doc string, subject v1.Descriptor) v1.Image {
	t.Helper()
	cfg := static.NewLayer([]byte("{}"), emptyConfigType)
	l := static.NewLayer([]byte(doc), types.MediaType(artifactType))
	desc := func(l v1.Layer) v1.Descriptor {
		d, err := partial.Descriptor(l)
		noError(t, err)
		return *d
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: artifactType,
		Config: desc(cfg), Layers: []v1.Descriptor{desc(l)},
		Subject:     &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{"org.opencontainers.image.created": "1970-01-01T00:00:00Z"}}
	raw, err := json.Marshal(m)
	noError(t, err)
	img, err := partial.CompressedToImage(&rawArtifact{manifest: raw,
		blobs: map[v1.Hash]v1.Layer{m.Config.Digest: cfg, m.Layers[0].Digest: l}})
	noError(t, err)
	return img
}

// refRegistry is ggcr's in-process registry, with the referrers API when
// api is set, behind wrap when it is not nil.
func refRegistry(t *testing.T, api bool, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = inproc.New(inproc.Logger(log.New(io.Discard, "", 0)), inproc.WithReferrersSupport(api))
	if wrap != nil {
		h = wrap(h)
	}
	return strings.TrimPrefix(startServer(t, h).URL, "http://")
}

// pushedSubject pushes a two-image index to host/lading/app:v1 and
// returns the repository and the descriptor of its second image.
func pushedSubject(t *testing.T, c *Client, host string) (string, v1.Descriptor) {
	t.Helper()
	repo := host + "/lading/app"
	idx := seededIndex(t, 7, 2)
	_, err := c.Push(context.Background(), idx, []string{repo + ":v1"})
	noError(t, err)
	im, err := idx.IndexManifest()
	noError(t, err)
	d := im.Manifests[1]
	return repo, v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

// sbomAndProvenance are the two artifacts a build attaches to subject.
func sbomAndProvenance(t *testing.T, subject v1.Descriptor) []v1.Image {
	return []v1.Image{
		artifactOf(t, spdxType, `{"spdxVersion":"SPDX-2.3","name":"`+subject.Digest.Hex+`"}`, subject),
		artifactOf(t, intotoType, `{"_type":"https://in-toto.io/Statement/v1","n":"`+subject.Digest.Hex+`"}`, subject),
	}
}

func imageDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	noError(t, err)
	return d
}

// checkResults fails unless res attached arts, in order, via via.
func checkResults(t *testing.T, res []ReferrerResult, arts []v1.Image, via string) {
	t.Helper()
	if len(res) != len(arts) {
		t.Fatalf("results %+v, want %d", res, len(arts))
	}
	for i, r := range res {
		if r.Digest != imageDigest(t, arts[i]) || r.Via != via || r.ArtifactType == "" {
			t.Errorf("result %d: %+v, want %s via %s with its artifactType", i, r, imageDigest(t, arts[i]), via)
		}
	}
}

// checkReferrers fails unless Referrers lists exactly want for subject,
// and exactly the one of them of each artifact type when filtering.
func checkReferrers(t *testing.T, c *Client, repo string, subject v1.Hash, want []v1.Image) {
	t.Helper()
	got, err := c.Referrers(context.Background(), repo, subject, "")
	noError(t, err)
	var gotD, wantD []string
	for _, g := range got {
		gotD = append(gotD, g.Digest.String())
	}
	for _, w := range want {
		wantD = append(wantD, imageDigest(t, w).String())
	}
	slices.Sort(gotD)
	slices.Sort(wantD)
	if !slices.Equal(gotD, wantD) {
		t.Fatalf("Referrers lists %v, want %v", gotD, wantD)
	}
	for _, w := range want {
		m, err := w.Manifest()
		noError(t, err)
		got, err := c.Referrers(context.Background(), repo, subject, m.ArtifactType)
		noError(t, err)
		if len(got) != 1 || got[0].Digest != imageDigest(t, w) || got[0].ArtifactType != m.ArtifactType {
			t.Errorf("Referrers filtered by %s: %+v, want only %s", m.ArtifactType, got, imageDigest(t, w))
		}
	}
}

// tagIndexOf reads the referrers tag schema's index for subject in repo
// as a client sees it, or nil when there is none.
func tagIndexOf(t *testing.T, repo string, subject v1.Hash) *v1.IndexManifest {
	t.Helper()
	host, name, _ := strings.Cut(repo, "/")
	resp, err := http.Get("http://" + host + "/v2/" + name + "/manifests/sha256-" + subject.Hex)
	noError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	im, err := v1.ParseIndexManifest(resp.Body)
	noError(t, err)
	return im
}

// TestPushReferrersAPI: against a registry with the referrers API, two
// artifacts on one subject are attached through it and set no fallback
// tag; pushing them again changes nothing; Referrers lists and filters
// them (ggcr's registry reports the empty config's media type as their
// artifactType, which Referrers corrects from the manifests).
func TestPushReferrersAPI(t *testing.T) {
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, refRegistry(t, true, nil))
	arts := sbomAndProvenance(t, subject)
	for range 2 {
		res, err := c.PushReferrers(context.Background(), repo, subject, arts)
		noError(t, err)
		checkResults(t, res, arts, ViaAPI)
	}
	if im := tagIndexOf(t, repo, subject.Digest); im != nil {
		t.Errorf("the API path also set the fallback tag: %+v", im)
	}
	checkReferrers(t, c, repo, subject.Digest, arts)
}

// TestPushReferrersTag: against a registry without the API, the artifacts
// go into the index at tag sha256-HEX, with artifactType and annotations;
// pushing one again, with or without a new one, does not list it twice.
func TestPushReferrersTag(t *testing.T) {
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, refRegistry(t, false, nil))
	arts := sbomAndProvenance(t, subject)
	for _, n := range []int{1, 2, 2} {
		res, err := c.PushReferrers(context.Background(), repo, subject, arts[:n])
		noError(t, err)
		checkResults(t, res, arts[:n], ViaTag)
	}
	im := tagIndexOf(t, repo, subject.Digest)
	if im == nil || len(im.Manifests) != 2 || im.MediaType != types.OCIImageIndex {
		t.Fatalf("tag index %+v, want an OCI index of the 2 artifacts", im)
	}
	for i, m := range im.Manifests {
		if m.Digest != imageDigest(t, arts[i]) || m.ArtifactType == "" || m.MediaType != types.OCIManifestSchema1 ||
			m.Annotations["org.opencontainers.image.created"] == "" {
			t.Errorf("tag index entry %d: %+v, want artifact %d with artifactType and its annotations", i, m, i)
		}
	}
	checkReferrers(t, c, repo, subject.Digest, arts)
}

// TestPushReferrersTagKeepsOthers: descriptors already in the tag index,
// from another tool, stay first, and ours are added after them.
func TestPushReferrersTagKeepsOthers(t *testing.T) {
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, refRegistry(t, false, nil))
	foreign := artifactOf(t, "application/vnd.dev.sigstore.bundle.v0.3+json", `{"sig":1}`, subject)
	res, err := c.PushReferrers(context.Background(), repo, subject, []v1.Image{foreign})
	noError(t, err)
	checkResults(t, res, []v1.Image{foreign}, ViaTag)
	arts := sbomAndProvenance(t, subject)
	_, err = c.PushReferrers(context.Background(), repo, subject, arts)
	noError(t, err)
	im := tagIndexOf(t, repo, subject.Digest)
	var got []v1.Hash
	for _, m := range im.Manifests {
		got = append(got, m.Digest)
	}
	want := []v1.Hash{imageDigest(t, foreign), imageDigest(t, arts[0]), imageDigest(t, arts[1])}
	if !slices.Equal(got, want) {
		t.Fatalf("tag index lists %v, want the foreign descriptor then ours: %v", got, want)
	}
	checkReferrers(t, c, repo, subject.Digest, append([]v1.Image{foreign}, arts...))
}

// TestPushReferrersLyingRegistry: a registry whose referrers API answers
// but does not list what was pushed gets a clear error, not a success.
func TestPushReferrersLyingRegistry(t *testing.T) {
	host := refRegistry(t, true, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/referrers/") {
				w.Header().Set("Content-Type", string(types.OCIImageIndex))
				io.WriteString(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, host)
	_, err := c.PushReferrers(context.Background(), repo, subject, sbomAndProvenance(t, subject))
	if err == nil || !strings.Contains(err.Error(), "referrers API does not list") {
		t.Fatalf("got %v, want an error saying the registry's referrers API does not list the artifacts", err)
	}
}

// TestPushReferrersTagRace: a concurrent writer that replaces the tag
// index right after our PUT, dropping our entries, is caught by the
// re-read and merged with again; one that always does fails the push,
// saying so.
func TestPushReferrersTagRace(t *testing.T) {
	for _, tc := range []struct {
		clobbers int
		wantErr  bool
	}{{1, false}, {tagRounds, true}} {
		left := tc.clobbers
		host := refRegistry(t, false, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, r)
				if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/sha256-") && left > 0 {
					left--
					body := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`
					clobber := httptest.NewRequest(http.MethodPut, r.URL.Path, strings.NewReader(body))
					clobber.Header.Set("Content-Type", string(types.OCIImageIndex))
					next.ServeHTTP(httptest.NewRecorder(), clobber)
				}
			})
		})
		c, _ := testClient(t)
		repo, subject := pushedSubject(t, c, host)
		arts := sbomAndProvenance(t, subject)
		_, err := c.PushReferrers(context.Background(), repo, subject, arts)
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "another writer replaced it") {
				t.Errorf("with a writer clobbering every round: %v, want an error saying so", err)
			}
			continue
		}
		noError(t, err)
		checkReferrers(t, c, repo, subject.Digest, arts)
	}
}

// TestPushReferrersSubjectHeaderWithoutAPI: a registry that answers
// OCI-Subject, saying it indexes referrers, but has no referrers API is
// an error naming the contradiction.
func TestPushReferrersSubjectHeaderWithoutAPI(t *testing.T) {
	host := refRegistry(t, false, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/sha256:") {
				var m v1.Manifest
				body, _ := io.ReadAll(r.Body)
				if json.Unmarshal(body, &m) == nil && m.Subject != nil {
					w.Header().Set("OCI-Subject", m.Subject.Digest.String())
				}
				r.Body = io.NopCloser(strings.NewReader(string(body)))
			}
			next.ServeHTTP(w, r)
		})
	})
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, host)
	_, err := c.PushReferrers(context.Background(), repo, subject, sbomAndProvenance(t, subject))
	if err == nil || !strings.Contains(err.Error(), "answered OCI-Subject") {
		t.Fatalf("got %v, want an error: OCI-Subject sent, but no referrers API", err)
	}
}

// TestPushReferrersRefused: a subject missing from the repository, or an
// artifact naming another subject, is refused before anything is pushed.
func TestPushReferrersRefused(t *testing.T) {
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, refRegistry(t, false, nil))
	other := seededImage(t, 99, 1)
	od, err := partial.Descriptor(other)
	noError(t, err)
	_, err = c.PushReferrers(context.Background(), repo, *od, sbomAndProvenance(t, *od))
	if err == nil || !strings.Contains(err.Error(), "push the image first") {
		t.Errorf("referrers of a subject not in the repository: %v, want a refusal", err)
	}
	_, err = c.PushReferrers(context.Background(), repo, subject, sbomAndProvenance(t, *od))
	if err == nil || !strings.Contains(err.Error(), "names subject") {
		t.Errorf("an artifact of another subject: %v, want a refusal", err)
	}
	if got, err := c.Referrers(context.Background(), repo, subject.Digest, ""); err != nil || len(got) != 0 {
		t.Errorf("after refused pushes Referrers = %v, %v; want none and no error", got, err)
	}
}

// TestReferrersPaginated: a referrers API answer split into pages by Link
// headers is read whole.
func TestReferrersPaginated(t *testing.T) {
	host := refRegistry(t, true, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(r.URL.Path, "/referrers/") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			im, err := v1.ParseIndexManifest(rec.Body)
			if err != nil || len(im.Manifests) < 2 {
				t.Errorf("paginate: %v, %+v", err, im)
				return
			}
			slices.SortFunc(im.Manifests, func(a, b v1.Descriptor) int { return strings.Compare(a.Digest.String(), b.Digest.String()) })
			if r.URL.Query().Get("page") == "" {
				im.Manifests = im.Manifests[:1]
				w.Header().Set("Link", fmt.Sprintf(`<%s?page=2>; rel="next"`, r.URL.Path))
			} else {
				im.Manifests = im.Manifests[1:]
			}
			w.Header().Set("Content-Type", string(types.OCIImageIndex))
			json.NewEncoder(w).Encode(im)
		})
	})
	c, _ := testClient(t)
	repo, subject := pushedSubject(t, c, host)
	arts := sbomAndProvenance(t, subject)
	res, err := c.PushReferrers(context.Background(), repo, subject, arts)
	noError(t, err)
	checkResults(t, res, arts, ViaAPI)
	checkReferrers(t, c, repo, subject.Digest, arts)
}

// TestPushReferrersWithAuth: behind TLS and bearer-token auth, the tag
// schema's read-modify-write and Referrers authenticate as pushes do.
func TestPushReferrersWithAuth(t *testing.T) {
	reg := newAuthRegistry(t, inproc.New(inproc.Logger(log.New(io.Discard, "", 0))), nil)
	c, _ := testClient(t, WithCAFiles(reg.ca), WithKeychain(oneKeychain{authn.AuthConfig{Username: testUser, Password: testPassword}}))
	repo := reg.host() + "/lading/authed"
	img := seededImage(t, 5, 1)
	_, err := c.Push(context.Background(), img, []string{repo + ":v1"})
	noError(t, err)
	d, err := partial.Descriptor(img)
	noError(t, err)
	subject := v1.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
	arts := sbomAndProvenance(t, subject)
	res, err := c.PushReferrers(context.Background(), repo, subject, arts)
	noError(t, err)
	checkResults(t, res, arts, ViaTag)
	checkReferrers(t, c, repo, subject.Digest, arts)
}

// TestOrasDiscoversPushedReferrers: oras, another client, finds what
// PushReferrers attached, through the API and through the tag schema,
// each forced with --distribution-spec.
func TestOrasDiscoversPushedReferrers(t *testing.T) {
	oras := requireTool(t, "oras", "go install oras.land/oras/cmd/oras@v1.3.6")
	for _, tc := range []struct {
		api  bool
		spec string
	}{{true, "v1.1-referrers-api"}, {false, "v1.1-referrers-tag"}} {
		t.Run(tc.spec, func(t *testing.T) {
			c, _ := testClient(t)
			repo, subject := pushedSubject(t, c, refRegistry(t, tc.api, nil))
			arts := sbomAndProvenance(t, subject)
			_, err := c.PushReferrers(context.Background(), repo, subject, arts)
			noError(t, err)
			out, err := exec.Command(oras, "discover", "--plain-http", "--distribution-spec", tc.spec, "--format", "json", repo+"@"+subject.Digest.String()).CombinedOutput()
			if err != nil {
				t.Fatalf("oras discover: %v\n%s", err, out)
			}
			var tree struct {
				Referrers []struct {
					Digest v1.Hash `json:"digest"`
				} `json:"referrers"`
			}
			noError(t, json.Unmarshal(out, &tree))
			var got []v1.Hash
			for _, r := range tree.Referrers {
				got = append(got, r.Digest)
			}
			want := []v1.Hash{imageDigest(t, arts[0]), imageDigest(t, arts[1])}
			sortHashes := func(h []v1.Hash) {
				slices.SortFunc(h, func(a, b v1.Hash) int { return strings.Compare(a.String(), b.String()) })
			}
			sortHashes(got)
			sortHashes(want)
			if !slices.Equal(got, want) {
				t.Fatalf("oras discover lists %v, want %v\n%s", got, want, out)
			}
		})
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
