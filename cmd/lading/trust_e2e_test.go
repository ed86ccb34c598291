package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/builder/attest"
	"github.com/lading-dev/lading/registry"
)

// trustRepo is the repository the trust tests push the example service to.
const trustRepo = "lading-test/service"

// trustRegistry is a registry on loopback that a trust test pushes to,
// and how the test reaches it.
type trustRegistry struct {
	host string // 127.0.0.1:PORT
	// ca is the PEM file that lading (--registry-ca), oras (--ca-file)
	// and cosign (SSL_CERT_FILE) trust for it.
	ca     string
	auth   bool // basic auth as regUser / regPassword
	client *http.Client
}

// trustFromDistribution describes a docker-registry that startDistribution
// (or trustStartV3) started: TLS from reg.ca, htpasswd basic auth.
func trustFromDistribution(t *testing.T, reg distribution) trustRegistry {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(readAll(t, reg.ca))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return trustRegistry{host: reg.host, ca: reg.ca, auth: true, client: client}
}

// trustStartDebian runs Debian's docker-registry 2.8 (startDistribution).
func trustStartDebian(t *testing.T) trustRegistry {
	return trustFromDistribution(t, startDistribution(t))
}

// trustStartV3 runs distribution v3's registry binary (go install'ed as
// "registry") configured as startDistribution configures Debian's: TLS
// from a test CA, htpasswd basic auth.
func trustStartV3(t *testing.T) trustRegistry {
	return trustFromDistribution(t, startDistributionBin(t, "registry"))
}

// trustStartGGCR serves ggcr's in-process registry with its referrers API
// turned on, over TLS from httptest's certificate, without auth.
func trustStartGGCR(t *testing.T) trustRegistry {
	t.Helper()
	srv := httptest.NewTLSServer(ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.crt")
	writePEM(t, ca, "CERTIFICATE", srv.Certificate().Raw)
	return trustRegistry{host: srv.Listener.Addr().String(), ca: ca, client: srv.Client()}
}

// get sends GET path (under https://host) with accept, and basic auth when
// the registry wants it; it returns the status, headers and body.
func (r trustRegistry) get(t *testing.T, path, accept string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+r.host+path, nil)
	noErr(t, err)
	req.Header.Set("Accept", accept)
	if r.auth {
		req.SetBasicAuth(regUser, regPassword)
	}
	resp, err := r.client.Do(req)
	noErr(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	noErr(t, err)
	return resp.StatusCode, resp.Header, body
}

// trustEnv is the environment of a lading child pushing to r: credentials
// only from a docker config of its own (with r's login when r wants one),
// no VERSION (the spec's tag default), this machine's Go caches
// (trustGoEnv), plus extra.
func trustEnv(t *testing.T, r trustRegistry, extra ...string) []string {
	dir := filepath.Join(t.TempDir(), "docker")
	cfg := filepath.Join(dir, "config.json")
	if r.auth {
		writeDockerConfig(t, dir, r.host)
	}
	env := append(withoutVar(registryEnv(cfg), "VERSION", "GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY"), trustGoEnv(t)...)
	return append(env, extra...)
}

// trustGoEnv keeps the go commands of a lading child whose HOME is a
// temporary directory (registryEnv) on this machine's build and module
// caches: else each push would compile the standard library again for
// both platforms (minutes) and fetch the service's modules. GOPROXY=off
// makes a module missing from the cache fail the build, not reach the
// network.
func trustGoEnv(t *testing.T) []string {
	t.Helper()
	vars := []string{"GOCACHE", "GOMODCACHE", "GOPATH"}
	values := strings.Split(strings.TrimSpace(runCmd(t, exec.Command("go", append([]string{"env"}, vars...)...))), "\n")
	if len(values) != len(vars) {
		t.Fatalf("go env %v printed %q", vars, values)
	}
	out := []string{"GOPROXY=off"}
	for i, v := range vars {
		out = append(out, v+"="+values[i])
	}
	return out
}

// trustPush builds the example service from its spec, pushes it to tag
// with args added, and returns the --metadata-file document.
func trustPush(t *testing.T, r trustRegistry, env []string, tag string, args ...string) builder.Result {
	t.Helper()
	meta := filepath.Join(t.TempDir(), "meta.json")
	args = append([]string{"build", "-f", serviceSpec, "--push", "-t", tag, "--registry-ca", r.ca, "--metadata-file", meta}, args...)
	code, stdout, stderr := ladingRun(t, filepath.Join("..", ".."), env, "", args...)
	if code != 0 || strings.Contains(stdout+stderr, regPassword) {
		t.Fatalf("lading %s: exit %d (want 0 and no secret printed)\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	var res builder.Result
	readJSON(t, meta, &res)
	if len(res.Manifests) != len(servicePlatforms) {
		t.Fatalf("metadata lists %d platform manifests, want %d", len(res.Manifests), len(servicePlatforms))
	}
	return res
}

// trustSubjects lists what the build attached documents to: each platform
// manifest, then the index.
func trustSubjects(res builder.Result) []v1.Hash {
	var out []v1.Hash
	for _, m := range res.Manifests {
		out = append(out, m.Digest)
	}
	return append(out, res.Digest)
}

// trustExpected maps each subject to the documents attached to it, by
// digest, with their artifactType, as the metadata's attestations say;
// it fails unless those are an SBOM and a provenance per platform image
// and a provenance for the index.
func trustExpected(t *testing.T, res builder.Result) map[v1.Hash]map[v1.Hash]string {
	t.Helper()
	out := map[v1.Hash]map[v1.Hash]string{}
	var kinds []string
	for _, a := range res.Attestations {
		if out[a.Subject] == nil {
			out[a.Subject] = map[v1.Hash]string{}
		}
		out[a.Subject][a.Digest] = a.ArtifactType
		kinds = append(kinds, a.Platform+" "+a.Kind+" "+a.ArtifactType)
	}
	var want []string
	for i, m := range res.Manifests {
		want = append(want, servicePlatforms[i]+" sbom "+attest.MediaTypeSPDX, servicePlatforms[i]+" provenance "+attest.MediaTypeInToto)
		if len(out[m.Digest]) != 2 {
			t.Errorf("metadata attests %d documents of %s's manifest %s, want 2", len(out[m.Digest]), m.Platform, m.Digest)
		}
	}
	want = append(want, " provenance "+attest.MediaTypeInToto)
	slices.Sort(kinds)
	slices.Sort(want)
	if !slices.Equal(kinds, want) || len(out[res.Digest]) != 1 {
		t.Errorf("metadata attestations %q, want %q (the last about the index %s)", kinds, want, res.Digest)
	}
	return out
}

// trustCheckPushed: the metadata's referrers list each attestation pushed
// to repo, found via via ("tag" or "api").
func trustCheckPushed(t *testing.T, res builder.Result, repo, via string) {
	t.Helper()
	var got, want []string
	for _, a := range res.Attestations {
		want = append(want, fmt.Sprintf("%s %s %s %s %s", repo, a.Subject, a.Kind, a.Digest, via))
	}
	for _, r := range res.Referrers {
		if r.Kind == "sbom" || r.Kind == "provenance" {
			got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Repository, r.Subject, r.Kind, r.Digest, r.Via))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("metadata referrers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// trustDescriptors maps descs by digest to their artifactType.
func trustDescriptors(descs []v1.Descriptor) map[v1.Hash]string {
	out := map[v1.Hash]string{}
	for _, d := range descs {
		out[d.Digest] = d.ArtifactType
	}
	return out
}

// trustReferrersAPI asks r's referrers API about subject: the status, and
// the listed descriptors when it answered 200 with an OCI index.
func trustReferrersAPI(t *testing.T, r trustRegistry, subject v1.Hash) (int, []v1.Descriptor) {
	t.Helper()
	code, h, body := r.get(t, "/v2/"+trustRepo+"/referrers/"+subject.String(), string(types.OCIImageIndex))
	if code != http.StatusOK {
		return code, nil
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(body))
	if err != nil || !strings.HasPrefix(h.Get("Content-Type"), string(types.OCIImageIndex)) {
		t.Fatalf("referrers API for %s answered %s %q (%v), want an OCI image index", subject, h.Get("Content-Type"), body, err)
	}
	return code, im.Manifests
}

// trustTagIndex is the index at subject's referrers tag, sha256-<hex>.
func trustTagIndex(t *testing.T, r trustRegistry, subject v1.Hash) map[v1.Hash]string {
	t.Helper()
	tag := subject.Algorithm + "-" + subject.Hex
	code, h, body := r.get(t, "/v2/"+trustRepo+"/manifests/"+tag, string(types.OCIImageIndex))
	if code != http.StatusOK || h.Get("Content-Type") != string(types.OCIImageIndex) {
		t.Fatalf("GET %s:%s answered %d %s, want an OCI image index", trustRepo, tag, code, h.Get("Content-Type"))
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(body))
	noErr(t, err)
	return trustDescriptors(im.Manifests)
}

// trustTags lists r's tags of trustRepo.
func trustTags(t *testing.T, r trustRegistry) []string {
	t.Helper()
	code, _, body := r.get(t, "/v2/"+trustRepo+"/tags/list", "application/json")
	var list struct{ Tags []string }
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil {
		t.Fatalf("tags/list of %s answered %d %s", trustRepo, code, body)
	}
	slices.Sort(list.Tags)
	return list.Tags
}

// trustOras lists subject's referrers in r with `oras discover`, through
// the distribution spec mode spec (v1.1-referrers-tag or -api).
func trustOras(t *testing.T, r trustRegistry, spec string, subject v1.Hash) map[v1.Hash]string {
	t.Helper()
	home := t.TempDir()
	args := []string{"discover", "--format", "json", "--depth", "1", "--distribution-spec", spec, "--ca-file", r.ca}
	if r.auth {
		args = append(args, "-u", regUser, "--password-stdin")
	}
	cmd := exec.Command(requireTool(t, "oras"), append(args, r.host+"/"+trustRepo+"@"+subject.String())...)
	cmd.Env = append(withoutVar(os.Environ(), "HOME", "DOCKER_CONFIG"), "HOME="+home, "DOCKER_CONFIG="+home)
	cmd.Stdin = strings.NewReader(regPassword)
	var out struct {
		Digest    v1.Hash
		Referrers []v1.Descriptor
	}
	if err := json.Unmarshal([]byte(runCmd(t, cmd)), &out); err != nil || out.Digest != subject {
		t.Fatalf("oras discover %s: %v, about %s", subject, err, out.Digest)
	}
	return trustDescriptors(out.Referrers)
}

// trustDigests is m's keys, sorted.
func trustDigests[V any](m map[v1.Hash]V) []string {
	var out []string
	for d := range m {
		out = append(out, d.String())
	}
	slices.Sort(out)
	return out
}

// TestAttestationsPushedE2E is issue 12's "Done when" point 1: the example
// service (two platforms) built and pushed with --push; each platform
// image's SBOM and provenance, and the index's provenance, are findable
// as OCI 1.1 referrers, and oras discover lists them:
//   - Debian's docker-registry 2.8 (TLS, basic auth) has no referrers API
//     (GET /v2/NAME/referrers/DIGEST answers 404), so lading writes the
//     distribution spec's fallback: tag sha256-<hex> of the subject is an
//     index listing them;
//   - distribution v3.1.2's registry has no referrers API either, despite
//     OCI 1.1 support elsewhere: its routes (registry/api/v2/routes.go) are
//     base, manifest, tags, blob, blob upload and catalog, and no Go file
//     of v3.1.2 mentions referrers; the GET answers 404 and lading writes
//     the same fallback tag (oras, asked for the API, says "unsupported");
//   - ggcr's registry with WithReferrersSupport serves the API, which lists
//     them, and lading writes no fallback tag.
//
// The metadata file names each, with via "tag" or "api".
func TestAttestationsPushedE2E(t *testing.T) {
	needs(t, "docker-registry", "registry", "htpasswd", "oras", crossCompile)
	for _, tc := range []struct {
		name  string
		start func(*testing.T) trustRegistry
		via   string
	}{
		{"debian docker-registry 2.8", trustStartDebian, registry.ViaTag},
		{"distribution v3.1.2", trustStartV3, registry.ViaTag},
		{"ggcr with the referrers API", trustStartGGCR, registry.ViaAPI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := tc.start(t)
			res := trustPush(t, r, trustEnv(t, r), r.host+"/"+trustRepo+":v1")
			trustCheckPushed(t, res, r.host+"/"+trustRepo, tc.via)
			want := trustExpected(t, res)
			var fallback []string
			for _, s := range trustSubjects(res) {
				trustCheckSubject(t, r, tc.via, s, want[s])
				fallback = append(fallback, s.Algorithm+"-"+s.Hex)
			}
			if tc.via == registry.ViaAPI {
				fallback = nil
			}
			if got, want := trustTags(t, r), append(fallback, "v1"); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
				t.Errorf("tags of %s: %v, want %v", trustRepo, got, want)
			}
			t.Logf("%d documents attached via %s, checked in %s", len(res.Attestations), tc.via, time.Since(start).Round(time.Millisecond))
		})
	}
}

// trustCheckSubject: r lists want (digest → artifactType) as subject's
// referrers, via the tag fallback or the API, and so does oras discover.
func trustCheckSubject(t *testing.T, r trustRegistry, via string, subject v1.Hash, want map[v1.Hash]string) {
	t.Helper()
	code, listed := trustReferrersAPI(t, r, subject)
	spec := "v1.1-referrers-api"
	switch via {
	case registry.ViaTag:
		spec = "v1.1-referrers-tag"
		if code != http.StatusNotFound {
			t.Errorf("GET referrers/%s answered %d, want 404 (no referrers API)", subject, code)
		}
		if got := trustTagIndex(t, r, subject); !maps.Equal(got, want) {
			t.Errorf("the fallback tag of %s lists %v, want %v", subject, got, want)
		}
	case registry.ViaAPI:
		// ggcr's registry reports each referrer's config media type (the
		// empty descriptor's) as its artifactType: compare digests only.
		if got := trustDigests(trustDescriptors(listed)); code != http.StatusOK || !slices.Equal(got, trustDigests(want)) {
			t.Errorf("referrers API of %s: %d, lists %v, want %v", subject, code, got, trustDigests(want))
		}
	}
	got := trustOras(t, r, spec, subject)
	if via == registry.ViaAPI {
		if !slices.Equal(trustDigests(got), trustDigests(want)) {
			t.Errorf("oras discover (%s) of %s lists %v, want %v", spec, subject, trustDigests(got), trustDigests(want))
		}
	} else if !maps.Equal(got, want) {
		t.Errorf("oras discover (%s) of %s lists %v, want %v", spec, subject, got, want)
	}
}
