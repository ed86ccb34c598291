package progress

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestPlain: one line per finished step, digests shortened, a push's blob
// counts on its line, warnings through, no escape codes.
func TestPlain(t *testing.T) {
	var b bytes.Buffer
	l := slog.New(New(&b, Options{Level: slog.LevelInfo}))
	d := "sha256:" + strings.Repeat("ab", 32)
	l.Debug("layer started", "layer", "server", "platform", "linux/arm64")
	l.Info("layer packed", "layer", "server", "platform", "linux/arm64", "size", 3_800_000, "seconds", "1.23")
	l.Info("layer cached", "layer", "assets", "platform", "linux/amd64")
	l.Info("wrote output", "kind", "oci-layout", "path", "out", "digest", d)
	for _, o := range []string{"uploaded", "uploaded", "exists", "mounted"} {
		l.Info("blob "+o, "repository", "app", "digest", d)
	}
	l.Info("attached", "kind", "sbom", "platform", "linux/arm64", "repository", "registry.example/app", "digest", d, "via", "tag")
	l.Info("attached", "kind", "provenance", "platform", "", "repository", "registry.example/app", "digest", d, "via", "api")
	l.Info("signed", "kind", "signature", "subject", d, "ref", "registry.example/app:sha256-"+strings.Repeat("ab", 32)+".sig")
	l.Info("pushed", "ref", "registry.example/app:v1", "digest", d)
	l.Warn("disk nearly full", "dir", "/tmp")
	want := `lading: layer server linux/arm64: 3.8 MB in 1.2 s
lading: layer assets linux/amd64: cached
lading: wrote out@sha256:abababababab…
lading: attach sbom linux/arm64 to registry.example/app: tag fallback
lading: attach provenance index to registry.example/app: referrers API
lading: sign signature of sha256:abababababab…: at sha256-abababababab….sig
lading: pushed registry.example/app:v1 (2 uploaded, 1 present, 1 mounted)
lading: warning: disk nearly full dir=/tmp
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestLiveColour: a live view colours states only when asked (cmd asks on
// a terminal without NO_COLOR), and keeps finished steps.
func TestLiveColour(t *testing.T) {
	for _, colour := range []bool{false, true} {
		var b bytes.Buffer
		h := New(&b, Options{Level: slog.LevelInfo, Live: true, Color: colour})
		l := slog.New(h)
		l.Debug("layer started", "layer", "a", "platform", "linux/amd64")
		l.Info("layer cached", "layer", "a", "platform", "linux/amd64")
		h.Close()
		if got := strings.Contains(b.String(), "\x1b[36m"); got != colour || !strings.Contains(b.String(), "layer a linux/amd64: ") {
			t.Errorf("colour %v: %q", colour, b.String())
		}
	}
}
