package builder

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestRunCheck(t *testing.T) {
	ctx := context.Background()
	env := HostEnv{Base: os.Environ()}
	ok := CheckCommand{Command: []string{"sh", "-c", `test "$(pwd)" = "$WANT_DIR" && test "$X" = y`}, Dir: t.TempDir()}
	ok.Env = map[string]string{"WANT_DIR": ok.Dir, "X": "y"}
	noErr(t, RunCheck(ctx, ok, env))
	noErr(t, HostCheck{Command: ok, Env: env}.Run(ctx))
	script := `for i in $(seq 1 30); do echo "vet line $i" >&2; done; echo "to stdout"; exit 3`
	err := RunCheck(ctx, CheckCommand{Command: []string{"sh", "-c", script}, Dir: t.TempDir()}, env)
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 3 {
		t.Fatalf("failing check: %v, want a *CommandError with exit code 3", err)
	}
	msg := err.Error()
	for _, want := range []string{`check ["sh" "-c"`, "sh exited with code 3; its stderr ends with:\n    vet line 11\n", "vet line 30"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error:\n%s\nwant it to contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "vet line 10\n") || strings.Contains(msg, "to stdout") {
		t.Errorf("error keeps more than the last 20 stderr lines, or stdout:\n%s", msg)
	}
}

func TestRunCheckMissingCommand(t *testing.T) {
	err := RunCheck(context.Background(), CheckCommand{Command: []string{"lading-no-such-tool"}, Dir: t.TempDir()}, HostEnv{Base: []string{"PATH=/nonexistent"}})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != -1 || !strings.Contains(err.Error(), "find lading-no-such-tool on PATH") {
		t.Fatalf("error = %v, want a *CommandError saying the command is not on PATH", err)
	}
}
