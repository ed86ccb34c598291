package sign

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cosignInstall is how to get the cosign these tests were written against.
const cosignInstall = "go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5"

// requireTool returns the path of the external tool name, installed with
// install. Under -short it skips the test (STYLE.md, rule 20); when the
// tool is missing it skips, or fails when CI is set, since CI must run
// every test (cmd/lading's requireTool, which this package cannot import).
func requireTool(t testing.TB, name, install string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s; skipped under -short", name)
	}
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " not found on PATH; install it with: " + install
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this test may not skip)", msg)
	}
	t.Skipf("%s; skipping outside CI", msg)
	return ""
}

// cosign runs the real cosign binary offline: in an empty HOME and docker
// config, with every proxy variable pointing at a listener that refuses
// and records each request. Go sends loopback traffic (our registries)
// direct, and anything else through the proxy, so a request that reaches
// it is cosign trying the network (Rekor, Fulcio, TUF), which fails the
// test instead of leaving the machine.
type cosign struct {
	t   *testing.T
	bin string
	dir string
	env []string

	mu      sync.Mutex
	network []string
}

// newCosign returns a cosign runner whose encrypted keys use password.
func newCosign(t *testing.T, password string) *cosign {
	t.Helper()
	c := &cosign{t: t, bin: requireTool(t, "cosign", cosignInstall), dir: t.TempDir()}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.network = append(c.network, r.Method+" "+r.Host+r.URL.Path)
		c.mu.Unlock()
		http.Error(w, "tests may not reach the network", http.StatusForbidden)
	}))
	t.Cleanup(proxy.Close)
	home := filepath.Join(c.dir, "home")
	c.env = []string{
		"HOME=" + home,
		"DOCKER_CONFIG=" + filepath.Join(home, "docker"),
		"TUF_ROOT=" + filepath.Join(home, "tuf"),
		"COSIGN_PASSWORD=" + password,
		// Without one of the SIGSTORE_* key variables, every verify
		// command first fetches trusted_root.json from TUF (and only
		// warns when it cannot), even with --key and
		// --insecure-ignore-tlog. cosign reads this variable only to
		// check a transparency log entry, which --insecure-ignore-tlog
		// skips; it names a file that does not exist, so a cosign that
		// did read it would fail loudly rather than trust it.
		"SIGSTORE_REKOR_PUBLIC_KEY=" + filepath.Join(c.dir, "no-rekor-key.pem"),
		"HTTPS_PROXY=" + proxy.URL,
		"HTTP_PROXY=" + proxy.URL,
		"https_proxy=" + proxy.URL,
		"http_proxy=" + proxy.URL,
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

// run runs cosign with args in its directory and returns its stdout and
// stderr and whether it succeeded.
func (c *cosign) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// must runs cosign with args, ending the test if it fails; it returns stdout.
func (c *cosign) must(args ...string) string {
	c.t.Helper()
	out, errs, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("cosign %s: %v\n%s%s", strings.Join(args, " "), err, out, errs)
	}
	return out
}

// writeFiles writes each file (path → content) in c's directory.
func (c *cosign) writeFiles(files map[string][]byte) {
	c.t.Helper()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(c.dir, name), b, 0o600); err != nil {
			c.t.Fatal(err)
		}
	}
}
