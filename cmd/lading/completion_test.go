package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestCompletionBash sources `lading completion bash` in bash, sets
// COMP_WORDS and COMP_CWORD as bash does on TAB, calls the completion
// function and checks what it offers.
func TestCompletionBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	code, script, stderr := runLading(t, t.TempDir(), "completion", "bash")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, tc := range []struct {
		line string // the words before TAB; the last is being completed
		want []string
	}{
		{"lading bu", []string{"build"}},
		{"lading build --oci-l", []string{"--oci-layout"}},
		{"lading push --log", []string{"--log-format"}},
		{"lading help in", []string{"inspect"}},
		{"lading cache pr", []string{"prune"}},
		{"lading completion z", []string{"zsh"}},
		{"lading --vers", []string{"--version"}},
	} {
		words := strings.Fields(tc.line)
		cmd := exec.Command("bash", "--norc", "-c", script+`
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lading; printf '%s\n' "${COMPREPLY[@]}"`, "bash")
		cmd.Args = append(cmd.Args, words...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.line, err, out)
		}
		if got := strings.Fields(string(out)); !slices.Equal(got, tc.want) {
			t.Errorf("%s<TAB>: got %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestCompletionScripts: every shell's script names every command and
// every flag of build, and an unknown shell is a usage error.
func TestCompletionScripts(t *testing.T) {
	var flags []string
	for _, w := range commandWords(commands()[0]) {
		flags = append(flags, strings.TrimLeft(w, "-"))
	}
	for _, sh := range shells() {
		code, script, stderr := runLading(t, t.TempDir(), "completion", sh)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s", sh, code, stderr)
		}
		for _, w := range append(commandNames(commands()), flags...) {
			if !strings.Contains(script, w) {
				t.Errorf("%s script lacks %q", sh, w)
			}
		}
		if sh != "bash" {
			if _, err := exec.LookPath(sh); err == nil {
				if out, err := exec.Command(sh, "-n", "-c", script).CombinedOutput(); err != nil {
					t.Errorf("%s -n: %v\n%s", sh, err, out)
				}
			}
		}
	}
	if code, _, stderr := runLading(t, t.TempDir(), "completion", "tcsh"); code != exitUsage || !strings.Contains(stderr, "bash, zsh or fish") {
		t.Errorf("completion tcsh: exit %d, %q; want a usage error naming the shells", code, stderr)
	}
}
