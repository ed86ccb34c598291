package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogFormatJSON: --log-format json writes one JSON object per stderr
// line with stable keys and no time; -v adds a run layer's output lines
// and each registry request at debug level.
func TestLogFormatJSON(t *testing.T) {
	_, host := inProcessRegistry(t)
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, "lading.yaml"), `layers:
  - name: gen
    run:
      command: ["sh", "-c", "echo hello from run && echo x > \"$OUT/x\""]
      dest: /gen
`)
	code, _, stderr := runLading(t, dir, "build", "--log-format", "json", "-v", "--no-cache", "--source-date-epoch", "0",
		"--oci-layout", filepath.Join(dir, "out"), "--push", "-t", host+"/web/app:v1")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	levels := map[string]int{}
	var sawRun, sawRequest bool
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("stderr line %q is not a JSON object: %v", line, err)
		}
		if _, ok := obj["time"]; ok || obj["msg"] == nil || obj["level"] == nil {
			t.Errorf("line %q: want level and msg, no time", line)
		}
		levels[obj["level"].(string)]++
		sawRun = sawRun || obj["line"] == "hello from run"
		sawRequest = sawRequest || obj["msg"] == "request" && obj["method"] != nil && obj["status"] != nil
	}
	if levels["INFO"] == 0 || !sawRun || !sawRequest {
		t.Errorf("levels %v, run line seen %v, request seen %v; want INFO lines, the run output and requests at DEBUG\n%s", levels, sawRun, sawRequest, stderr)
	}
}

// TestLogFlagsRefused: a bad --log-format, or -q with -v, is a usage error
// naming the flag, on build and push alike.
func TestLogFlagsRefused(t *testing.T) {
	for _, cmd := range []string{"build", "push"} {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--log-format", "xml"}, `--log-format "xml": want text or json`},
			{[]string{"-q", "-v"}, "-q and -v"},
		} {
			args := append([]string{cmd, "--add", "x:/x", "--no-spec"}, tc.args...)
			if cmd == "push" {
				args = append([]string{cmd, "oci-layout:out", "example.com/a:v1"}, tc.args...)
			}
			code, _, stderr := runLading(t, t.TempDir(), args...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q; want usage error %q", args, code, stderr, tc.want)
			}
		}
	}
}
