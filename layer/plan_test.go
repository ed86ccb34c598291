package layer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlanAddsParentsAndSorts(t *testing.T) {
	in := []Entry{
		{Kind: File, Path: "/usr/local/bin/app", Source: "app", Size: 1},
		{Kind: Symlink, Path: "/bin", Target: "usr/bin"},
		{Kind: Dir, Path: "/usr/local/"},
		{Kind: Dir, Path: "/"},
	}
	out, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out {
		got = append(got, e.Kind.String()+" "+e.Path)
	}
	want := "symlink /bin,directory /usr,directory /usr/local,directory /usr/local/bin,file /usr/local/bin/app"
	if strings.Join(got, ",") != want {
		t.Fatalf("plan = %s\nwant  %s", strings.Join(got, ","), want)
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    []string
	}{
		{"relative", []Entry{{Kind: File, Path: "etc/x", Source: "/h/x"}}, []string{"/h/x", "not absolute"}},
		{"dotdot", []Entry{{Kind: File, Path: "/a/../etc/x", Source: "/h/x"}}, []string{"/h/x", `".."`}},
		{"whiteout", []Entry{{Kind: File, Path: "/a/.wh.b", Source: "/h/.wh.b"}}, []string{"/h/.wh.b", "whiteout"}},
		{"invalid utf8", []Entry{{Kind: File, Path: "/a/\xff", Source: "/h/bad"}}, []string{"/h/bad", "UTF-8"}},
		{"duplicate", []Entry{
			{Kind: File, Path: "/x", Source: "/h/a"},
			{Kind: File, Path: "/x/", Source: "/h/b"},
		}, []string{"/h/a", "/h/b", "/x"}},
		{"under a file", []Entry{
			{Kind: File, Path: "/x", Source: "/h/a"},
			{Kind: File, Path: "/x/y", Source: "/h/b"},
		}, []string{"/h/a", "/h/b", "/x/y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Plan(tc.entries)
			if err == nil {
				t.Fatal("Plan succeeded, want error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestPlanMergesDirectories(t *testing.T) {
	out, err := Plan([]Entry{{Kind: Dir, Path: "/app", Source: "a"}, {Kind: Dir, Path: "/app", Source: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Source != "a" {
		t.Fatalf("got %+v, want the first /app only", out)
	}
}

func write(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(content), mode))
	must(t, os.Chmod(p, mode))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
