package layer

import (
	"bytes"
	"testing"
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
