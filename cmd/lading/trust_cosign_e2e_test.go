package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lading-dev/lading/builder"
)

// trustCosign runs the real cosign binary offline, as builder/sign's
// tests do: in its own HOME, with the registry's login in its docker
// config and the registry's CA as SSL_CERT_FILE, and every proxy variable
// pointing at a listener that refuses and records each request. Go sends
// loopback traffic (the registry) direct and anything else through the
// proxy, so a request that reaches it is cosign trying the network
// (Rekor, Fulcio, TUF), which fails the test instead of leaving the
// machine.
type trustCosign struct {
	t   *testing.T
	bin string
	env []string

	mu      sync.Mutex
	network []string
}

func newTrustCosign(t *testing.T, r trustRegistry) *trustCosign {
	t.Helper()
	c := &trustCosign{t: t, bin: requireTool(t, "cosign")}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c.mu.Lock()
		c.network = append(c.network, req.Method+" "+req.Host+req.URL.Path)
		c.mu.Unlock()
		http.Error(w, "tests may not reach the network", http.StatusForbidden)
	}))
	t.Cleanup(proxy.Close)
	home := t.TempDir()
	writeDockerConfig(t, filepath.Join(home, "docker"), r.host)
	c.env = []string{
		"HOME=" + home,
		"DOCKER_CONFIG=" + filepath.Join(home, "docker"),
		"TUF_ROOT=" + filepath.Join(home, "tuf"),
		// Go's crypto/x509 reads the system roots from SSL_CERT_FILE, and
		// cosign's registry client uses them (cosign verify has no flag for
		// a registry CA).
		"SSL_CERT_FILE=" + r.ca,
		// Without one of the SIGSTORE_* key variables every verify command
		// first fetches trusted_root.json from TUF. cosign reads this one
		// only to check a transparency log entry, which
		// --insecure-ignore-tlog skips; the file does not exist, so a
		// cosign that did read it would fail loudly rather than trust it.
		"SIGSTORE_REKOR_PUBLIC_KEY=" + filepath.Join(home, "no-rekor-key.pem"),
		"HTTPS_PROXY=" + proxy.URL, "HTTP_PROXY=" + proxy.URL, "https_proxy=" + proxy.URL, "http_proxy=" + proxy.URL,
	}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.network) > 0 {
			t.Errorf("cosign tried the network: %s", strings.Join(c.network, ", "))
		}
	})
	return c
}

// run runs cosign with args; it returns stdout, stderr and its error.
func (c *trustCosign) run(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(c.bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = c.env, &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// verified runs a cosign verify command that must pass, and lists what
// it printed as verified: for each signature payload the digest it claims
// ("sha256:…"), for each attestation its statement's subjects and
// predicate type ("sha256:… TYPE"). cosign verify prints a JSON array of
// payloads, verify-attestation one envelope a line.
func (c *trustCosign) verified(args ...string) []string {
	c.t.Helper()
	stdout, stderr, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("cosign %s: %v\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	type payload struct {
		Critical struct {
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			}
		}
		PayloadType string
		Payload     []byte
	}
	var out []string
	dec := json.NewDecoder(strings.NewReader(stdout))
	for dec.More() {
		var raw json.RawMessage
		noErr(c.t, dec.Decode(&raw))
		var ps []payload
		if raw[0] == '[' {
			noErr(c.t, json.Unmarshal(raw, &ps))
		} else {
			ps = make([]payload, 1)
			noErr(c.t, json.Unmarshal(raw, &ps[0]))
		}
		for _, p := range ps {
			out = append(out, c.claims(p.Critical.Image.Digest, p.PayloadType, p.Payload)...)
		}
	}
	return out
}

// claims lists what one verified payload claims: a signature's digest, or
// an in-toto statement's subjects with its predicate type.
func (c *trustCosign) claims(digest, payloadType string, payload []byte) []string {
	if payloadType == "" {
		return []string{digest}
	}
	var st struct {
		PredicateType string
		Subject       []struct{ Digest map[string]string }
	}
	noErr(c.t, json.Unmarshal(payload, &st))
	var out []string
	for _, s := range st.Subject {
		out = append(out, "sha256:"+s.Digest["sha256"]+" "+st.PredicateType)
	}
	return out
}

// TestCosignVerifiesSignedPushE2E is issue 12's "Done when" point 3: a key
// pair from lading keygen; the example service pushed with --sign-key to
// Debian's docker-registry; cosign verify --key accepts the tag (the
// index) and each platform manifest, cosign verify-attestation accepts
// each platform's SLSA provenance and SPDX SBOM and the index's
// provenance, and lading verify --signature exits 0. Once the tag moves to
// an unsigned image, cosign verify and lading verify --signature refuse it.
func TestCosignVerifiesSignedPushE2E(t *testing.T) {
	needs(t, "docker-registry", "htpasswd", "cosign", crossCompile)
	start := time.Now()
	keys := t.TempDir()
	const password = "e2e-sign-Pa55"
	code, stdout, stderr := ladingRun(t, keys, childEnv("LADING_SIGN_PASSWORD="+password), "", "keygen")
	if code != 0 {
		t.Fatalf("lading keygen: exit %d\n%s%s", code, stdout, stderr)
	}
	key, pub := filepath.Join(keys, "cosign.key"), filepath.Join(keys, "cosign.pub")
	r := trustStartDebian(t)
	ref := r.host + "/" + trustRepo + ":v1"
	res := trustPush(t, r, trustEnv(t, r, "LADING_SIGN_PASSWORD="+password), ref, "--sign-key", key)
	trustCheckSigned(t, res, r.host+"/"+trustRepo)
	c := newTrustCosign(t, r)
	verify := []string{"--key", pub, "--insecure-ignore-tlog=true"}
	repo := r.host + "/" + trustRepo
	if got := c.verified(append([]string{"verify"}, append(verify, ref)...)...); !slices.Equal(got, []string{res.Digest.String()}) {
		t.Errorf("cosign verify %s: signatures of %v, want of the index %s", ref, got, res.Digest)
	}
	predicate := map[string]string{"slsaprovenance1": "https://slsa.dev/provenance/v1", "spdxjson": "https://spdx.dev/Document"}
	// The index's provenance names the index and every platform image.
	var indexClaims []string
	for _, s := range trustSubjects(res) {
		indexClaims = append(indexClaims, s.String()+" "+predicate["slsaprovenance1"])
	}
	if got := c.verified(append([]string{"verify-attestation", "--type", "slsaprovenance1"}, append(verify, ref)...)...); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(indexClaims))) {
		t.Errorf("cosign verify-attestation --type slsaprovenance1 %s: verified %v, want the index's provenance %v", ref, got, indexClaims)
	}
	for _, m := range res.Manifests {
		at := repo + "@" + m.Digest.String()
		if got := c.verified(append([]string{"verify"}, append(verify, at)...)...); !slices.Equal(got, []string{m.Digest.String()}) {
			t.Errorf("cosign verify %s: signatures of %v", at, got)
		}
		for _, typ := range []string{"slsaprovenance1", "spdxjson"} {
			got := c.verified(append([]string{"verify-attestation", "--type", typ}, append(verify, at)...)...)
			if want := m.Digest.String() + " " + predicate[typ]; !slices.Equal(got, []string{want}) {
				t.Errorf("cosign verify-attestation --type %s %s: verified %v, want %q", typ, at, got, want)
			}
		}
	}
	env := trustEnv(t, r)
	code, stdout, stderr = ladingRun(t, "", env, "", "verify", "--signature", "--key", pub, "--registry-ca", r.ca, ref)
	if code != 0 || strings.Count(stdout, "signature verified; attestations verified") != 3 {
		t.Errorf("lading verify --signature %s: exit %d, want 0 and 3 subjects verified\nstdout:\n%s\nstderr:\n%s", ref, code, stdout, stderr)
	}
	trustMoveTag(t, r, c, env, ref, pub)
	t.Logf("signed push verified by cosign and lading, then refused once moved, in %s", time.Since(start).Round(time.Millisecond))
}

// trustCheckSigned: the metadata's referrers name a signature and the
// attestations, at cosign's tags, for each platform manifest and the index.
func trustCheckSigned(t *testing.T, res builder.Result, repo string) {
	t.Helper()
	var got, want []string
	for _, s := range trustSubjects(res) {
		tag := s.Algorithm + "-" + s.Hex
		want = append(want, repo+" "+s.String()+" signature "+tag+".sig", repo+" "+s.String()+" attestations "+tag+".att")
	}
	for _, r := range res.Referrers {
		if r.Kind == "signature" || r.Kind == "attestations" {
			got = append(got, r.Repository+" "+r.Subject.String()+" "+r.Kind+" "+r.Via)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("metadata signature referrers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// trustMoveTag pushes an unsigned image to ref; then cosign verify and
// lading verify --signature refuse ref.
func trustMoveTag(t *testing.T, r trustRegistry, c *trustCosign, env []string, ref, pub string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "other")
	putFile(t, file, "another image\n")
	moved := regLadingOK(t, env, "", "build", "--base", "static", "--add", file+":/x", "--push", "-t", ref, "--registry-ca", r.ca, "-q")
	stdout, stderr, err := c.run("verify", "--key", pub, "--insecure-ignore-tlog=true", ref)
	if err == nil || !strings.Contains(stderr, "no signatures found") {
		t.Errorf("cosign verify of %s, moved to an unsigned image (%s): %v, want it refused for want of signatures\nstdout:\n%s\nstderr:\n%s",
			ref, strings.TrimSpace(moved), err, stdout, stderr)
	}
	code, out, errOut := ladingRun(t, "", env, "", "verify", "--signature", "--key", pub, "--registry-ca", r.ca, ref)
	if code != exitBuild || !strings.Contains(out, "FAILED: no signature") {
		t.Errorf("lading verify --signature of the moved tag: exit %d, want 1 and FAILED: no signature\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
