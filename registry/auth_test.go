package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TestLoginThenPush: Login checks the credentials against the registry,
// stores them as docker login does (other keys kept, 0600), and a client
// reading that file pushes with them.
func TestLoginThenPush(t *testing.T) {
	reg := newAuthRegistry(t, newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}}), nil)
	cfg := filepath.Join(t.TempDir(), "docker", "config.json")
	noError(t, os.MkdirAll(filepath.Dir(cfg), 0o700))
	noError(t, os.WriteFile(cfg, []byte(`{"auths":{"other.example":{"auth":"b3RoZXI6eA=="}},"psFormat":"table"}`), 0o644))
	c, _ := testClient(t, WithCAFiles(reg.ca), WithAuthFiles(cfg))
	noError(t, c.Login(context.Background(), reg.host(), testUser, testPassword, cfg))
	var doc struct {
		Auths    map[string]struct{ Auth string }
		PsFormat string
	}
	raw, err := os.ReadFile(cfg)
	noError(t, err)
	noError(t, json.Unmarshal(raw, &doc))
	if got := doc.Auths[reg.host()].Auth; got != base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword)) {
		t.Errorf("auths[%s].auth = %q, want base64(user:password)", reg.host(), got)
	}
	if doc.Auths["other.example"].Auth == "" || doc.PsFormat != "table" {
		t.Errorf("login dropped other keys of the config: %s", raw)
	}
	if fi, _ := os.Stat(cfg); fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	_, err = c.Push(context.Background(), seededImage(t, 12, 1), []string{reg.host() + "/lading/authed:v1"})
	noError(t, err)
}

// TestLoginWrongPassword: a rejected login says so, names no secret and
// writes nothing.
func TestLoginWrongPassword(t *testing.T) {
	reg := newAuthRegistry(t, newInproc(&repoBlobs{m: map[string]map[v1.Hash][]byte{}}), nil)
	cfg := filepath.Join(t.TempDir(), "config.json")
	c, logs := testClient(t, WithCAFiles(reg.ca))
	err := c.Login(context.Background(), reg.host(), testUser, "wrong-"+testPassword, cfg)
	if err == nil || !strings.Contains(err.Error(), "rejected the user name or password") {
		t.Fatalf("login with a wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-"+testPassword) {
		t.Errorf("the error shows the password: %v", err)
	}
	checkNoSecret(t, "log", logs.String())
	if _, statErr := os.Stat(cfg); !os.IsNotExist(statErr) {
		t.Error("a failed login wrote the config file")
	}
}

// TestKeychainFiles: credentials come from the files named, first match
// first (docker's config before podman's auth.json), repository key before
// registry key; no match is anonymous.
func TestKeychainFiles(t *testing.T) {
	dir := t.TempDir()
	docker, podman := filepath.Join(dir, "config.json"), filepath.Join(dir, "auth.json")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	noError(t, os.WriteFile(docker, []byte(`{"auths":{"a.example":{"auth":"`+b64("docker:1")+`"}}}`), 0o600))
	noError(t, os.WriteFile(podman, []byte(`{"auths":{"a.example":{"auth":"`+b64("podman:2")+`"},
		"b.example":{"auth":"`+b64("podman:3")+`"},"b.example/team/app":{"auth":"`+b64("podman:4")+`"}}}`), 0o600))
	kc := &fileKeychain{paths: []string{filepath.Join(dir, "missing.json"), docker, podman}}
	for ref, want := range map[string]string{
		"a.example/x": "docker", "b.example/x": "podman:3", "b.example/team/app": "podman:4", "c.example/x": "",
	} {
		repo, err := name.NewRepository(ref)
		noError(t, err)
		auth, err := kc.Resolve(repo)
		noError(t, err)
		cfg, err := auth.Authorization()
		noError(t, err)
		got := cfg.Username
		if cfg.Password != "" && want != "docker" {
			got += ":" + cfg.Password
		}
		if got != want || (want == "" && auth != authn.Anonymous) {
			t.Errorf("%s: got %q, want %q", ref, got, want)
		}
	}
}
