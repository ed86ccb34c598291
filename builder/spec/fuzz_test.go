package spec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lading-dev/lading/builder"
)

// fuzzVars is what ${...} expands from in the fuzz targets.
var fuzzVars = Vars{
	Lookup: lookupIn(map[string]string{"VERSION": "1.0", "EMPTY": "", "NESTED": "${VERSION}"}),
	GitErr: errors.New("not a git checkout"),
}

// FuzzLoad loads fuzzed bytes as a spec file and, when they load, turns
// them into a builder.Request. Property (issue 13, done-when 2): no panic,
// and each input is done within a bound (a spec is at most 1 MiB, ${...}
// nests at most 16 deep); a mistake is an error. The committed corpus
// holds testdata/spec's real specs.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("layers:\n  - name: app\n    files: {src: ., dest: /app}\n"))
	f.Add([]byte("base: static\nlayers: []\nconfig: {env: {A: \"${VERSION:-${NOPE:-x}}\"}}\n"))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a, *a]\nlayers: [*b, *b]\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "lading.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s, err := Load(p, fuzzVars)
		if err == nil {
			_ = s.Request(builder.HostEnv{})
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Load took %s on %d bytes", d, len(data))
		}
	})
}

// FuzzExpand expands fuzzed strings. No panic; the output of an input
// without "${" is the input.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"${VERSION}", "${NOPE:-${VERSION:-x}}", "$${A}${EMPTY:-d}", "${", "${A:-${B", "${GIT_COMMIT}", "$$${}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = expand(s, fuzzVars)
	})
}
