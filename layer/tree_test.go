package layer

import (
	"archive/tar"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTreeEncodeRoundTrip(t *testing.T) {
	tree := NewTree()
	tree.Apply([]Entry{
		{Kind: Symlink, Path: "/bin", Target: "usr/bin"},
		FileData("/etc/passwd", []byte("root:x:0:0::/:/bin/sh\n"), 0o644),
	})
	var buf bytes.Buffer
	if err := tree.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeTree(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := got.Node("/etc/passwd"); string(n.Data) != "root:x:0:0::/:/bin/sh\n" || n.Mode != 0o644 {
		t.Errorf("decoded /etc/passwd = %+v", n)
	}
	if k, target, _ := got.Lookup("/bin"); k != Symlink || target != "usr/bin" {
		t.Errorf("decoded /bin = %v -> %q", k, target)
	}
}

// TestWhiteoutsAreLinear: a layer of 100,000 whiteouts over 100,000 files
// is applied in time proportional to its size; the old whole-tree scan per
// whiteout took minutes (issue 13, case 11). The bound is a hang detector,
// far above the milliseconds this takes.
func TestWhiteoutsAreLinear(t *testing.T) {
	const n = 100_000
	tr := NewTree()
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := tr.applyHeader(&tar.Header{Name: fmt.Sprintf("d%d/f%d", i%100, i), Typeflag: tar.TypeReg}, nil, nil); err != nil {
				done <- err
				return
			}
		}
		for i := range n {
			tr.applyHeader(&tar.Header{Name: fmt.Sprintf("d%d/.wh.f%d", i%100, i), Typeflag: tar.TypeReg}, nil, nil)
		}
		done <- nil
	}()
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("100,000 whiteouts did not finish in 60 s")
	}
	if got := len(tr.Paths()); got != 0 {
		t.Errorf("%d paths left after whiting out every file", got)
	}
	tr.applyHeader(&tar.Header{Name: "a/b/c", Typeflag: tar.TypeReg}, nil, nil)
	tr.applyHeader(&tar.Header{Name: "a/.wh..wh..opq", Typeflag: tar.TypeReg}, nil, nil)
	if _, ok := tr.Node("/a/b/c"); ok {
		t.Error("an opaque whiteout kept what lay below it")
	}
}

// TestTreeEntryCap: a base with more than MaxTreeEntries paths is refused
// with a clear error, not read into memory.
func TestTreeEntryCap(t *testing.T) {
	tr := NewTree()
	var err error
	for i := 0; err == nil && i <= MaxTreeEntries; i++ {
		err = tr.applyHeader(&tar.Header{Name: fmt.Sprintf("f%d", i), Typeflag: tar.TypeReg}, nil, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("a tree of %d entries: %v", MaxTreeEntries+1, err)
	}
}
