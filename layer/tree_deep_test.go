package layer

import (
	"archive/tar"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// deepLayer is a tar of n entries, each a fresh path depth directories
// deep ("i/a/a/…/f"), written with PAX so names may be long.
func deepLayer(t *testing.T, n, depth int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := range n {
		name := fmt.Sprintf("%d/", i) + strings.Repeat("a/", depth) + "f"
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	return buf.Bytes()
}

// TestTreeDeepPathRefused: one entry 20,000 directories deep (40 KiB of
// name) took 4.5 s, and a PAX name may be 1 MiB: the time grew with the
// square of the depth. Names longer than PATH_MAX are refused at once.
func TestTreeDeepPathRefused(t *testing.T) {
	start := time.Now()
	_, err := ReadTree([]BaseLayer{fuzzLayer(deepLayer(t, 1, 20000))})
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "PATH_MAX") || took > time.Second {
		t.Fatalf("a 40 KiB entry name: %v after %v; want a PATH_MAX error at once", err, took)
	}
}

// TestTreeImplicitDirsCapped: directories a tar implies but never names
// are indexed too, so they count towards MaxTreeEntries: 500 entries each
// 2,000 directories deep would otherwise index a million paths.
func TestTreeImplicitDirsCapped(t *testing.T) {
	_, err := ReadTree([]BaseLayer{fuzzLayer(deepLayer(t, 500, 2000))})
	if err == nil || !strings.Contains(err.Error(), "entries") {
		t.Fatalf("500 entries implying a million directories: %v; want the entry cap's error", err)
	}
}
