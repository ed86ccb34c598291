package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lading-dev/lading/builder/sign"
)

// trustTestEnv is an in-process environment working in dir whose only
// variables are HOME=dir and vars (KEY=VALUE), with no terminal.
func trustTestEnv(dir string, vars ...string) env {
	e := testEnv(dir)
	m := map[string]string{"HOME": dir}
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	e.getenv = func(k string) string { return m[k] }
	e.lookup = func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	return e
}

// TestKeygenCLI: lading keygen writes a key pair that loads with its
// password, never replaces a key, and without LADING_SIGN_PASSWORD or a
// terminal refuses with exit 2; a build with --sign-key but no --push, or
// with the wrong password, exits 2 naming what to fix. In-process.
func TestKeygenCLI(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "release")
	withPassword := trustTestEnv(dir, "LADING_SIGN_PASSWORD=right")
	run1 := func(e env, args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, e, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	code, out := run1(trustTestEnv(dir), "keygen", "--output-prefix", prefix)
	if _, err := os.Stat(prefix + ".key"); code != exitUsage || !strings.Contains(out, "LADING_SIGN_PASSWORD") || err == nil {
		t.Errorf("keygen without a password or a terminal: exit %d, key file %v, output %q; want exit 2 naming LADING_SIGN_PASSWORD and no file", code, err, out)
	}
	if code, out = run1(withPassword, "keygen", "--output-prefix", prefix); code != exitOK || !strings.Contains(out, prefix+".key") || !strings.Contains(out, prefix+".pub") {
		t.Fatalf("keygen: exit %d, %q; want 0 and both files named", code, out)
	}
	if info, err := os.Stat(prefix + ".key"); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("private key %v %v, want mode 0600", info, err)
	}
	s, err := sign.LoadSigner(prefix+".key", func() ([]byte, error) { return []byte("right"), nil })
	noErr(t, err)
	p, err := sign.LoadPublicKey(prefix + ".pub")
	noErr(t, err)
	if !s.PublicKey().Equal(p) {
		t.Errorf("%s.pub is not the public key of %s.key", prefix, prefix)
	}
	key, pub := readAll(t, prefix+".key"), readAll(t, prefix+".pub")
	if code, out = run1(withPassword, "keygen", "--output-prefix", prefix); code != exitUsage || !strings.Contains(out, prefix+".key exists") ||
		!bytes.Equal(key, readAll(t, prefix+".key")) || !bytes.Equal(pub, readAll(t, prefix+".pub")) {
		t.Errorf("keygen over an existing key: exit %d, %q; want exit 2, the file named, both kept", code, out)
	}
	putFile(t, filepath.Join(dir, "payload"), "x\n")
	build := []string{"build", "--add", filepath.Join(dir, "payload") + ":/x", "--sign-key", prefix + ".key", "--oci-layout", filepath.Join(dir, "out")}
	for _, tc := range []struct {
		name string
		e    env
		args []string
		want string
	}{
		{"no --push", withPassword, build, "add --push"},
		{"wrong password", trustTestEnv(dir, "LADING_SIGN_PASSWORD=wrong"), append(build, "--push", "-t", "127.0.0.1:1/lading-test/x:v1"), prefix + ".key"},
		{"no password", trustTestEnv(dir), append(build, "--push", "-t", "127.0.0.1:1/lading-test/x:v1"), "LADING_SIGN_PASSWORD"},
	} {
		if code, out := run1(tc.e, tc.args...); code != exitUsage || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, %q; want exit 2 and %q", tc.name, code, out, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a refused --sign-key build wrote its layout (%v)", err)
	}
}

// TestPushSignsLayout: the air-gapped hand-off keeps its documents and can
// sign on the far side. lading push of a layout holding the SBOMs and
// provenances pushes them as referrers, and with --sign-key signs every
// manifest and the index and attests the documents, which lading verify
// --signature then checks (ggcr's registry, in process). In-process.
func TestPushSignsLayout(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	e := trustTestEnv(dir, "LADING_SIGN_PASSWORD=pw")
	run1 := func(want int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, e, &stdout, &stderr); code != want {
			t.Fatalf("lading %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
		}
		return stdout.String()
	}
	run1(0, "keygen", "--output-prefix", filepath.Join(dir, "k"))
	putFile(t, filepath.Join(dir, "payload"), "x\n")
	out := filepath.Join(dir, "out")
	run1(0, "build", "-q", "--add", filepath.Join(dir, "payload")+":/x", "--platform", "linux/amd64,linux/arm64",
		"--source-date-epoch", "0", "--oci-layout", out+":v1")
	ref := host + "/air/app:v1"
	meta := filepath.Join(dir, "push.json")
	run1(0, "push", "-q", "--sign-key", filepath.Join(dir, "k.key"), "--metadata-file", meta, "oci-layout:"+out+":v1", ref)
	var pushed struct {
		Referrers []struct{ Kind string }
	}
	readJSON(t, meta, &pushed)
	kinds := map[string]int{}
	for _, r := range pushed.Referrers {
		kinds[r.Kind]++
	}
	// 2 SBOMs and 3 provenances attached; 3 signatures; 3 attestation
	// images (each platform's holds its SBOM and provenance, the index's
	// its provenance).
	if kinds["sbom"] != 2 || kinds["provenance"] != 3 || kinds["signature"] != 3 || kinds["attestations"] != 3 {
		t.Errorf("push metadata lists referrers %v, want 2 sbom, 3 provenance, 3 signature, 3 attestations", kinds)
	}
	got := run1(0, "verify", "--signature", "--key", filepath.Join(dir, "k.pub"), ref)
	if n := strings.Count(got, "signature verified; attestations verified"); n != 3 || strings.Count(got, "https://spdx.dev/Document") != 2 {
		t.Errorf("verify --signature:\n%s\nwant three subjects verified, two with an SBOM attested", got)
	}
	if got := run1(0, "verify", "--signature", "--platform", "linux/arm64", "--key", filepath.Join(dir, "k.pub"), ref); strings.Count(got, "signature verified") != 1 {
		t.Errorf("verify --signature --platform linux/arm64 checks %d subjects, want that platform's image alone:\n%s", strings.Count(got, "signature verified"), got)
	}
	// A second signer's signatures and attestations join the first's, and
	// each key verifies its own.
	run1(0, "keygen", "--output-prefix", filepath.Join(dir, "k2"))
	run1(0, "push", "-q", "--sign-key", filepath.Join(dir, "k2.key"), "oci-layout:"+out+":v1", ref)
	for _, k := range []string{"k.pub", "k2.pub"} {
		if got := run1(0, "verify", "--signature", "--key", filepath.Join(dir, k), ref); strings.Count(got, "attestations verified") != 3 {
			t.Errorf("verify --signature --key %s after two signers:\n%s", k, got)
		}
	}
	run1(1, "verify", "--signature", "--key", filepath.Join(dir, "k.pub"), host+"/air/other@"+strings.TrimSpace(strings.Split(run1(0, "push", "-q", "oci-layout:"+out+":v1", host+"/air/other:v1"), "@")[1]))
}

// TestProvenanceSHA256Repository: in a SHA-256 git repository the build
// succeeds, warning that the provenance leaves out the commit (in-toto's
// gitCommit holds SHA-1 ids only). In-process.
func TestProvenanceSHA256Repository(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"init", "-q", "--object-format=sha256"},
		{"-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	putFile(t, filepath.Join(dir, "a.txt"), "a\n")
	code, _, stderr := runLading(t, dir, "build", "--add", filepath.Join(dir, "a.txt")+":/a.txt", "--oci-layout", filepath.Join(dir, "out"))
	if code != 0 || !strings.Contains(stderr, "leaves out the git commit") {
		t.Errorf("build in a SHA-256 repository: exit %d\n%s\nwant 0 and a warning that the commit is left out", code, stderr)
	}
}

// TestSourceKindTypos: a mistyped source kind, or a local source given to
// verify --signature, is a usage error naming the fix, and nothing is
// looked up on the network (ggcr would take oci-archve for a registry
// host). In-process.
func TestSourceKindTypos(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "oci-layuot:/tmp/out"}, "did you mean oci-layout:/tmp/out?"},
		{[]string{"verify", "--against", "oci-archve:./app.tar"}, "did you mean oci-archive:./app.tar?"},
		{[]string{"diff", "dokcer-archive:/a.tar", "oci-layout:/b"}, "did you mean docker-archive:/a.tar?"},
		{[]string{"ls", "tarball:/a.tar"}, `unknown source kind "tarball"`},
		{[]string{"verify", "--signature", "--key", "k.pub", "oci-layout:" + dir}, "--signature checks a registry reference"},
	} {
		code, _, stderr := runLading(t, dir, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("lading %s: exit %d\n%s\nwant exit 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}
