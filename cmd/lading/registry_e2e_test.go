package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

const (
	regUser     = "lading-ci"
	regPassword = "e2e-Pa55-never-printed"
)

// distribution is Debian's docker-registry, started by a test on loopback
// with TLS from a CA the test made and htpasswd basic auth.
type distribution struct {
	host    string // 127.0.0.1:PORT
	ca      string // the CA certificate, PEM
	certDir string // ca.crt, for skopeo's --cert-dir
}

// TestRegistryEndToEnd is issue #5's end-to-end test against a real
// registry: login, a two-platform index pushed to two tags and read back
// by skopeo, unpacked by umoci and run by runc; a second push that sends
// no blob; a base in another repository mounted, not uploaded; a wrong
// password and an unknown CA refused with a clear error and no secret.
func TestRegistryEndToEnd(t *testing.T) {
	needs(t, "docker-registry", "htpasswd", "skopeo", "umoci", "runc", crossCompile)
	reg := startDistribution(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "docker", "config.json")
	env := registryEnv(cfg)
	ca := []string{"--registry-ca", reg.ca}

	out := regLadingOK(t, env, regPassword+"\n", append([]string{"login", reg.host, "-u", regUser, "--password-stdin"}, ca...)...)
	if fi, err := os.Stat(cfg); err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(out, "Login Succeeded") {
		t.Fatalf("login: %q, config %v %v; want Login Succeeded and a 0600 config", out, fi, err)
	}

	idx := makeTwoPlatformLayout(t, dir)
	repo := reg.host + "/lading/hello"
	push := append([]string{"push", "--progress", "plain", "--metadata-file", filepath.Join(dir, "push1.json")}, ca...)
	stdout := regLadingOK(t, env, "", append(push, "oci-layout:"+idx+":v1", repo+":v1", repo+":v2")...)
	var res registry.PushResult
	readJSON(t, filepath.Join(dir, "push1.json"), &res)
	if want := repo + "@" + res.Digest.String() + "\n"; stdout != want+want || len(res.Manifests) != 2 || res.Blobs.Uploaded == 0 {
		t.Fatalf("push printed %q, metadata %+v; want two lines %q and 2 manifests", stdout, res, want)
	}
	checkPulledBack(t, reg, cfg, repo, res.Digest.String(), dir)

	push[4] = filepath.Join(dir, "push2.json")
	_, stderr := regLadingRun(t, env, "", append(push, "oci-layout:"+idx+":v1", repo+":v1", repo+":v2")...)
	var again registry.PushResult
	readJSON(t, filepath.Join(dir, "push2.json"), &again)
	if again.Blobs != (registry.BlobCounts{}) || strings.Contains(stderr, "uploaded") && !strings.Contains(stderr, "(0 uploaded,") {
		t.Errorf("second push of the same image: blobs %+v, stderr:\n%s\nwant no blob sent", again.Blobs, stderr)
	}

	checkMount(t, reg, env, dir)
	checkRefusals(t, reg, env, dir, idx)
	t.Logf("pushed %s: %d blobs uploaded, then 0; login, skopeo, umoci, runc, mount, refusals checked", res.Digest, res.Blobs.Uploaded)
}

// makeTwoPlatformLayout builds hello for the host's platform and one
// other with lading build, one layout each, and joins them into an index
// layout (multi-platform builds of --add inputs put one binary in both).
func makeTwoPlatformLayout(t *testing.T, dir string) string {
	other := map[bool]string{true: "arm64", false: "amd64"}[runtime.GOARCH == "amd64"]
	adds := []mutate.IndexAddendum{}
	for _, arch := range []string{runtime.GOARCH, other} {
		out := filepath.Join(dir, "build-"+arch)
		runCmd(t, exec.Command(ladingBinary(t), "build", "--platform", "linux/"+arch, "--add", helloFor(t, arch)+":/hello",
			"--entrypoint", "/hello", "--source-date-epoch", "1700000000", "--oci-layout", out+":v1", "-q"))
		a, err := oci.OpenLayout(out, "v1")
		noErr(t, err)
		p, err := manifest.ParsePlatform("linux/" + arch)
		noErr(t, err)
		adds = append(adds, mutate.IndexAddendum{Add: a.(v1.Image), Descriptor: v1.Descriptor{Platform: &p}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
	out := filepath.Join(dir, "index-layout")
	noErr(t, oci.WriteLayout(t.Context(), out, idx, "v1"))
	return out
}

// checkPulledBack reads the pushed index back with skopeo (through the login
// lading wrote), copies the host's image to a layout, unpacks it with
// umoci and runs it with runc.
func checkPulledBack(t *testing.T, reg distribution, cfg, repo, digest, dir string) {
	raw := runTool(t, "skopeo", "inspect", "--raw", "--cert-dir", reg.certDir, "--authfile", cfg, "docker://"+repo+":v2")
	if sum := sha256.Sum256([]byte(raw)); "sha256:"+hex.EncodeToString(sum[:]) != digest {
		t.Fatalf("skopeo inspect --raw %s:v2 has digest %x, want %s", repo, sum, digest)
	}
	im, err := v1.ParseIndexManifest(strings.NewReader(raw))
	noErr(t, err)
	if len(im.Manifests) != 2 {
		t.Fatalf("the pushed index lists %d manifests, want 2", len(im.Manifests))
	}
	copied := filepath.Join(dir, "copied")
	runTool(t, "skopeo", "copy", "--src-cert-dir", reg.certDir, "--src-creds", regUser+":"+regPassword,
		"docker://"+repo+":v1", "oci:"+copied+":v1")
	bundle := filepath.Join(dir, "bundle")
	args := []string{"unpack", "--image", copied + ":v1", bundle}
	if os.Geteuid() != 0 {
		args = append(args, "--rootless")
	}
	runTool(t, "umoci", args...)
	requireRoot(t)
	runc := requireTool(t, "runc")
	editBundle(t, bundle, []string{"/hello", "pushed"})
	state, id := t.TempDir(), fmt.Sprintf("lading-push-%d", os.Getpid())
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	if out := runCmd(t, exec.Command(runc, "--root", state, "run", "--bundle", bundle, id)); out != "hello from lading\narg: pushed\n" {
		t.Errorf("runc run of the pulled image printed %q", out)
	}
}

// checkMount pushes a base to lading/base, then an image built on it (as
// `lading build --base REGISTRY/lading/base:v1` leaves it: the base.name
// annotation names the base) to lading/app, whose base layers must be
// mounted from lading/base, and the image then copies whole.
func checkMount(t *testing.T, reg distribution, env []string, dir string) {
	base := filepath.Join(dir, "base-layout")
	marker := filepath.Join(dir, "marker")
	noErr(t, os.WriteFile(marker, []byte("base\n"), 0o644))
	runCmd(t, exec.Command(ladingBinary(t), "build", "--base", "static", "--add", marker+":/etc/marker", "--oci-layout", base+":v1", "-q"))
	baseRef := reg.host + "/lading/base:v1"
	regLadingOK(t, env, "", "push", "--registry-ca", reg.ca, "oci-layout:"+base+":v1", baseRef)
	app := filepath.Join(dir, "app-build")
	runCmd(t, exec.Command(ladingBinary(t), "build", "--base", "oci-layout:"+base+":v1", "--add", helloFor(t, runtime.GOARCH)+":/hello",
		"--entrypoint", "/hello", "--oci-layout", app+":v1", "-q"))
	a, err := oci.OpenLayout(app, "v1")
	noErr(t, err)
	img := mutate.Annotations(a.(v1.Image), map[string]string{"org.opencontainers.image.base.name": baseRef}).(v1.Image)
	annotated := filepath.Join(dir, "app-layout")
	noErr(t, oci.WriteLayout(t.Context(), annotated, img, "v1"))
	meta := filepath.Join(dir, "mount.json")
	_, stderr := regLadingRun(t, env, "", "push", "--registry-ca", reg.ca, "--log-format", "text", "--metadata-file", meta,
		"oci-layout:"+annotated+":v1", reg.host+"/lading/app:v1")
	var res registry.PushResult
	readJSON(t, meta, &res)
	baseLayers, err := layout.ImageIndexFromPath(base)
	noErr(t, err)
	bm, _ := baseLayers.IndexManifest()
	bimg, err := baseLayers.Image(bm.Manifests[0].Digest)
	noErr(t, err)
	ls, _ := bimg.Layers()
	mounted := strings.Count(stderr, `msg="blob mounted"`)
	if res.Blobs.Mounted != len(ls) || mounted != len(ls) || res.Blobs.Uploaded != 2 || !strings.Contains(stderr, "from=lading/base") {
		t.Errorf("app on a base of %d layers: blobs %+v, %d mount lines; want the base layers mounted from lading/base, 2 blobs uploaded\n%s",
			len(ls), res.Blobs, mounted, stderr)
	}
	runTool(t, "skopeo", "copy", "--src-cert-dir", reg.certDir, "--src-creds", regUser+":"+regPassword,
		"docker://"+reg.host+"/lading/app:v1", "oci:"+filepath.Join(dir, "app-copied")+":v1")
	t.Logf("push of an image on lading/base:\n%s", stderr)
}

// checkRefusals: a wrong password (login and push) and an unknown CA fail
// with exit 1, say what to do, and print no secret.
func checkRefusals(t *testing.T, reg distribution, env []string, dir, idx string) {
	wrongCfg := filepath.Join(dir, "wrong", "config.json")
	wrongEnv := registryEnv(wrongCfg)
	code, out, errOut := ladingRun(t, "", wrongEnv, "wrong-"+regPassword+"\n", "login", reg.host, "-u", regUser, "--password-stdin", "--registry-ca", reg.ca)
	checkRefused(t, "login with a wrong password", code, out+errOut, "rejected the user name or password")
	if _, err := os.Stat(wrongCfg); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused login wrote %s", wrongCfg)
	}
	auth := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, reg.host, b64(regUser+":wrong-"+regPassword))
	noErr(t, os.MkdirAll(filepath.Dir(wrongCfg), 0o700))
	noErr(t, os.WriteFile(wrongCfg, []byte(auth), 0o600))
	code, out, errOut = ladingRun(t, "", wrongEnv, "", "push", "--registry-ca", reg.ca, "oci-layout:"+idx+":v1", reg.host+"/lading/wrong:v1")
	checkRefused(t, "push with a wrong password", code, out+errOut, "unauthorized: check the credentials for "+reg.host)
	code, out, errOut = ladingRun(t, "", env, "", "push", "oci-layout:"+idx+":v1", reg.host+"/lading/noca:v1")
	checkRefused(t, "push without the CA", code, out+errOut, "--registry-ca")
}

func checkRefused(t *testing.T, what string, code int, output, want string) {
	t.Helper()
	if code != exitBuild || !strings.Contains(output, want) {
		t.Errorf("%s: exit %d, output:\n%s\nwant exit 1 and %q", what, code, output, want)
	}
	t.Logf("%s: %s", what, strings.TrimSpace(output))
	for _, secret := range []string{regPassword, b64(regUser + ":" + regPassword), b64(regUser + ":wrong-" + regPassword)} {
		if strings.Contains(output, secret) {
			t.Errorf("%s: the output contains a secret:\n%s", what, output)
		}
	}
}

// startDistribution runs docker-registry on a free loopback port until the
// test ends, and waits until it answers.
func startDistribution(t *testing.T) distribution {
	t.Helper()
	return startDistributionBin(t, "docker-registry")
}

// startDistributionBin runs the registry tool (Debian's docker-registry,
// or distribution v3's registry, which reads the same configuration) as
// startDistribution does.
func startDistributionBin(t *testing.T, tool string) distribution {
	t.Helper()
	bin, htpasswd := requireTool(t, tool), requireTool(t, "htpasswd")
	dir := t.TempDir()
	reg := distribution{host: freeLoopback(t), certDir: filepath.Join(dir, "certs")}
	cert, key := makeRegistryCerts(t, dir, reg.certDir)
	reg.ca = filepath.Join(reg.certDir, "ca.crt")
	users := runCmd(t, exec.Command(htpasswd, "-Bbn", regUser, regPassword))
	noErr(t, os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(users), 0o600))
	config := fmt.Sprintf(`version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}
http: {addr: %s, tls: {certificate: %s, key: %s}}
auth: {htpasswd: {realm: lading-e2e, path: %s}}
`, filepath.Join(dir, "storage"), reg.host, cert, key, filepath.Join(dir, "htpasswd"))
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(reg.ca)
	noErr(t, err)
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	serveDistribution(t, bin, dir, config, client, "https://"+reg.host+"/v2/", http.StatusUnauthorized)
	return reg
}

// serveDistribution runs the docker-registry bin with config (written to
// dir) until the test ends, and waits until client's GET of probe answers
// want.
func serveDistribution(t *testing.T, bin, dir, config string, client *http.Client, probe string, want int) {
	t.Helper()
	noErr(t, os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o644))
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	noErr(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := client.Get(probe); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer %s with %d within 20s:\n%s", probe, want, logs.String())
		}
	}
}

// freeLoopback is a 127.0.0.1:PORT nobody listens on now.
func freeLoopback(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, err)
	defer l.Close()
	return l.Addr().String()
}

// makeRegistryCerts makes a CA (certDir/ca.crt) and a server certificate
// for 127.0.0.1 and localhost signed by it; it returns the server's
// certificate and key files.
func makeRegistryCerts(t *testing.T, dir, certDir string) (string, string) {
	noErr(t, os.MkdirAll(certDir, 0o755))
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noErr(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lading e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	noErr(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	noErr(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noErr(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	noErr(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	noErr(t, err)
	cert, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writePEM(t, filepath.Join(certDir, "ca.crt"), "CERTIFICATE", caDER)
	writePEM(t, cert, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return cert, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	noErr(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
}

// registryEnv is the environment of a lading child that finds
// credentials only in the docker config file cfg.
func registryEnv(cfg string) []string {
	var out []string
	for _, kv := range childEnv() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "DOCKER_CONFIG", "DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "SSL_CERT_FILE", "HOME":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "DOCKER_CONFIG="+filepath.Dir(cfg), "HOME="+filepath.Dir(filepath.Dir(cfg)))
}

// regLadingRun runs lading, which must succeed and print no secret.
func regLadingRun(t *testing.T, env []string, stdin string, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := ladingRun(t, "", env, stdin, args...)
	if code != 0 {
		t.Fatalf("lading %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, regPassword) || strings.Contains(stdout+stderr, b64(regUser+":"+regPassword)) {
		t.Errorf("lading %s printed a secret:\n%s%s", strings.Join(args, " "), stdout, stderr)
	}
	return stdout, stderr
}

// regLadingOK is regLadingRun's stdout.
func regLadingOK(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	stdout, _ := regLadingRun(t, env, stdin, args...)
	return stdout
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestPushLoginUsage: bad invocations of push and login exit 2 with a
// message naming the fix; an interrupted push exits 130. In-process.
func TestPushLoginUsage(t *testing.T) {
	dir := t.TempDir()
	img, err := random.Image(64, 1)
	noErr(t, err)
	lay := filepath.Join(dir, "layout")
	noErr(t, oci.WriteLayout(t.Context(), lay, img, "v1"))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"push", "oci-layout:" + lay}, exitUsage, "want SRC and at least one REF"},
		{[]string{"push", "nowhere:x", "127.0.0.1:1/a:b"}, exitUsage, "SRC \"nowhere:x\""},
		{[]string{"push", "oci-layout:" + lay, "UPPER/Case:v1"}, exitUsage, "REF \"UPPER/Case:v1\""},
		{[]string{"push", "--progress", "loud", "oci-layout:" + lay, "127.0.0.1:1/a:b"}, exitUsage, "--progress \"loud\""},
		{[]string{"push", "--push-jobs", "0", "oci-layout:" + lay, "127.0.0.1:1/a:b"}, exitUsage, "--push-jobs 0"},
		{[]string{"push", "--insecure-registry", "http://x", "oci-layout:" + lay, "127.0.0.1:1/a:b"}, exitBuild, "insecure registry \"http://x\""},
		{[]string{"login", "127.0.0.1:1", "-u", "me"}, exitUsage, "--password-stdin is required"},
		{[]string{"login", "127.0.0.1:1", "--password-stdin"}, exitUsage, "-u USER is required"},
		{[]string{"push", "--help"}, exitOK, "Usage: lading push"},
	} {
		code, stdout, stderr := runLading(t, dir, tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("lading %s: exit %d, %s%s; want exit %d and %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"push", "oci-layout:" + lay + ":v1", "127.0.0.1:1/a:b"}, testEnv(dir), &stdout, &stderr); code != exitCanceled || stdout.Len() != 0 {
		t.Errorf("interrupted push: exit %d, stdout %q; want 130 and nothing", code, stdout.String())
	}
}
