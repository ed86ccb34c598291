package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEExample runs the README's first command and checks that it
// prints the digest the README quotes: the example image's digest must not
// drift between machines, checkouts or lading changes that do not mean to
// change it.
func TestREADMEExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	noErr(t, err)
	cmd := regexp.MustCompile("(?m)^go run ./cmd/lading (build .*)$").FindSubmatch(readme)
	quoted := regexp.MustCompile("`out@(sha256:[0-9a-f]{64})`").FindSubmatch(readme)
	if cmd == nil || quoted == nil {
		t.Fatal("README lacks the example build command or the digest it prints")
	}
	root, err := filepath.Abs("../..")
	noErr(t, err)
	dir := t.TempDir()
	args := strings.Fields(string(cmd[1]))
	for i, a := range args {
		if strings.HasPrefix(a, "testdata/") {
			args[i] = root + "/" + a
		}
		if a == "out:example" {
			args[i] = filepath.Join(dir, "out") + ":example"
		}
	}
	code, stdout, stderr := runLading(t, dir, args...)
	if want := filepath.Join(dir, "out") + "@" + string(quoted[1]) + "\n"; code != 0 || stdout != want {
		t.Fatalf("exit %d, stdout %q, want %q\n%s", code, stdout, want, stderr)
	}
}
