package layer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSumsRacilyClean: a file modified just now is hashed but not
// remembered; one safely in the past is remembered; a change to it is
// seen through its stamp.
func TestSumsRacilyClean(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	write(t, p, "one", 0o644)
	s := NewSums()
	d1, err := s.Digest(p)
	must(t, err)
	if s.Len() != 0 {
		t.Fatal("a file written just now was remembered: it is racily clean")
	}
	past := time.Now().Add(-time.Hour)
	must(t, os.Chtimes(p, past, past))
	// ctime moves with Chtimes; let it fall behind the racy window.
	s.now = func() time.Time { return time.Now().Add(2 * racyWindow) }
	if d, err := s.Digest(p); err != nil || d != d1 || s.Len() != 1 {
		t.Fatalf("Digest = %v, %v with %d known; want the same digest, remembered", d, err, s.Len())
	}
	write(t, p, "two", 0o644)
	d2, err := s.Digest(p)
	must(t, err)
	if d2 == d1 {
		t.Fatal("a changed file kept its old digest")
	}
	var buf bytes.Buffer
	must(t, s.Encode(&buf))
	s2 := NewSums()
	must(t, s2.Decode(&buf))
	if s2.Len() != s.Len() {
		t.Errorf("Decode(Encode) kept %d of %d digests", s2.Len(), s.Len())
	}
}
