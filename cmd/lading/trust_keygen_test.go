package main

import (
	"bytes"
	"os"
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
