package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestProgressView (issue 11, done-when 1): on a terminal (script(1) gives
// a real pty) a build redraws one line per step with its state and time,
// and shows cached for reused layers on a second build; with stderr to a
// file the same build prints plain lines, one per finished step, with no
// escape codes.
func TestProgressView(t *testing.T) {
	needs(t, "script")
	requireTool(t, "script") // fails, not skips, when CI is set
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "lading.yaml"), `layers:
  - name: gen
    run:
      command: ["sh", "-c", "sleep 0.5 && echo x > \"$OUT/x\""]
      inputs: ["in.txt"]
      dest: /gen
  - name: assets
    files: {src: ./in.txt, dest: /in.txt}
`)
	putFile(t, filepath.Join(dir, "in.txt"), "hello\n")
	build := []string{ladingBinary(t), "build", "--cache-dir", filepath.Join(dir, "cache"), "--source-date-epoch", "0",
		"--oci-layout", filepath.Join(dir, "out")}
	first := onTerminal(t, dir, build)
	redrawn := regexp.MustCompile(`\x1b\[2Klading: layer gen linux/\w+: running \d+\.\d s`)
	// The cursor moves up over however many steps are still being redrawn:
	// one or two here, depending on which layer the scheduler started first.
	cursorUp := regexp.MustCompile(`\x1b\[[12]A`)
	if !redrawn.MatchString(first) || !cursorUp.MatchString(first) ||
		!regexp.MustCompile(`layer gen linux/\w+: \d+ B in \d+\.\d s`).MatchString(first) {
		t.Errorf("first build on a terminal: want a redrawn running line with its time, then the layer done\n%q", first)
	}
	second := onTerminal(t, dir, build)
	if !regexp.MustCompile(`layer (gen|assets) linux/\w+: \S*cached`).MatchString(second) {
		t.Errorf("second build on a terminal: want cached layers\n%q", second)
	}
	code, _, plain := ladingRun(t, dir, nil, "", append(build[1:], "--no-cache")...)
	if code != 0 || strings.Contains(plain, "\x1b") || strings.Contains(plain, "running") {
		t.Fatalf("build with stderr to a file: exit %d, want plain lines, no escape codes\n%q", code, plain)
	}
	for _, want := range []string{`(?m)^lading: layer gen linux/\w+: \d+ B in \d+\.\d s$`, `(?m)^lading: layer assets linux/\w+: \d+ B in`,
		`(?m)^lading: wrote \S+out@sha256:[0-9a-f]{12}…$`} {
		if !regexp.MustCompile(want).MatchString(plain) {
			t.Errorf("plain stderr lacks %s\n%s", want, plain)
		}
	}
}

// onTerminal runs argv under script(1), so its stderr is a pty, and
// returns what the terminal received.
func onTerminal(t *testing.T, dir string, argv []string) string {
	t.Helper()
	cmd := exec.Command("script", "-qfec", strings.Join(argv, " "), "/dev/null")
	cmd.Dir, cmd.Env = dir, childEnv("NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script %v: %v\n%s", argv, err, out)
	}
	return string(out)
}
