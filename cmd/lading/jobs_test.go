package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestJobsBoundsAllLayers: -j N bounds the layers made at once across
// every platform (issue 9: it bounded platforms and layers each, so up to
// N² ran). Each run layer notes how many run layers are running while it
// runs; none may see more than N.
func TestJobsBoundsAllLayers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 12 layers that each sleep")
	}
	dir := t.TempDir()
	running := filepath.Join(dir, "running")
	noErr(t, os.Mkdir(running, 0o755))
	cmd := `touch "$RUNNING/$$"; sleep 0.3; ls "$RUNNING" | wc -l >> "$RUNNING.log"; rm "$RUNNING/$$"; : > "$OUT/x"`
	var spec strings.Builder
	spec.WriteString("platforms: [linux/amd64, linux/arm64, linux/riscv64]\nlayers:\n")
	for i := range 4 {
		spec.WriteString("  - name: l" + strconv.Itoa(i) + "\n    run:\n      command: [\"sh\", \"-c\", " + strconv.Quote(cmd) + "]\n")
		spec.WriteString("      env: {RUNNING: " + strconv.Quote(running) + "}\n      dest: /l" + strconv.Itoa(i) + "\n")
	}
	putFile(t, filepath.Join(dir, "lading.yaml"), spec.String())
	code, stdout, stderr := runLading(t, dir, "build", "-f", filepath.Join(dir, "lading.yaml"), "-j", "2",
		"--skip-image-checks", "entrypoint", "--oci-layout", filepath.Join(dir, "out"))
	if code != 0 {
		t.Fatalf("build: exit %d\n%s%s", code, stdout, stderr)
	}
	log, err := os.ReadFile(running + ".log")
	noErr(t, err)
	counts := strings.Fields(string(log))
	if len(counts) != 12 {
		t.Fatalf("%d run layers ran, want 12", len(counts))
	}
	for _, c := range counts {
		if n, _ := strconv.Atoi(c); n > 2 {
			t.Fatalf("with -j 2, a run layer saw %s running at once (all: %v)", c, counts)
		}
	}
}
