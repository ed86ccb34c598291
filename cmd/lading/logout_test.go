package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistryHost(t *testing.T) {
	for in, want := range map[string]string{
		"registry.example":                 "registry.example",
		"https://registry.example":         "registry.example",
		"http://localhost:5000/v2/":        "localhost:5000",
		"https://registry.example/v1/path": "registry.example",
	} {
		if got := registryHost(in); got != want {
			t.Errorf("registryHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLogout removes one registry's entry, keeps the others, and says so
// when there was nothing to remove.
func TestLogout(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, ".docker", "config.json")
	putFile(t, config, `{"auths": {"registry.example": {"auth": "dTpw"}, "other.example": {"auth": "dTpw"}}, "psFormat": "x"}`)
	code, stdout, stderr := runLading(t, dir, "logout", "https://registry.example/v2/")
	if code != 0 || stdout != "Removed login credentials for registry.example\n" {
		t.Fatalf("logout: exit %d, %q %q", code, stdout, stderr)
	}
	raw, err := os.ReadFile(config)
	noErr(t, err)
	if s := string(raw); strings.Contains(s, `"registry.example"`) || !strings.Contains(s, "other.example") || !strings.Contains(s, "psFormat") {
		t.Errorf("config after logout:\n%s", s)
	}
	code, stdout, _ = runLading(t, dir, "logout", "registry.example")
	if code != 0 || stdout != "Not logged in to registry.example\n" {
		t.Errorf("second logout: exit %d, %q", code, stdout)
	}
}

// TestLoginCredentials: flags and stdin, else a terminal prompt (the
// password without echo), else a usage error.
func TestLoginCredentials(t *testing.T) {
	var asked []string
	term := env{prompt: func(label string, secret bool) (string, error) {
		asked = append(asked, label)
		if secret {
			return "s3cret", nil
		}
		return "alice", nil
	}}
	user, pw, err := credentials(term, nil, "", false)
	if err != nil || user != "alice" || pw != "s3cret" || strings.Join(asked, "") != "Username: Password: " {
		t.Errorf("on a terminal: %q %q %v, asked %q", user, pw, err, asked)
	}
	user, pw, err = credentials(term, strings.NewReader("tok\n"), "ci", true)
	if err != nil || user != "ci" || pw != "tok" {
		t.Errorf("--password-stdin: %q %q %v", user, pw, err)
	}
	if _, _, err := credentials(env{}, nil, "ci", false); err == nil || !strings.Contains(err.Error(), "--password-stdin is required") {
		t.Errorf("no terminal, no --password-stdin: %v", err)
	}
}
