package layer

import (
	"strings"
	"testing"
)

// fakeTree is a base file tree for tests: path → kind (and target).
type fakeTree map[string][2]string

func (f fakeTree) Lookup(p string) (Kind, string, bool) {
	n, ok := f[p]
	if !ok {
		return 0, "", false
	}
	kinds := map[string]Kind{"dir": Dir, "file": File, "link": Symlink}
	return kinds[n[0]], n[1], true
}

var usrMerged = fakeTree{
	"/bin": {"link", "usr/bin"}, "/usr": {"dir"}, "/usr/bin": {"dir"},
	"/etc": {"dir"}, "/etc/passwd": {"file"}, "/lib": {"link", "/usr/lib"},
	"/loop": {"link", "loop"},
}

func TestPlanOnTopOfUsrMerge(t *testing.T) {
	out, err := Plan([]Entry{
		{Kind: Dir, Path: "/bin", Source: "h/bin"},
		{Kind: File, Path: "/bin/tool", Source: "h/bin/tool"},
		{Kind: File, Path: "/lib/x/y.so", Source: "h/y.so"},
		{Kind: Dir, Path: "/etc", Source: "h/etc"},
		{Kind: File, Path: "/etc/app/conf", Source: "h/conf"},
	}, OnTopOf(usrMerged))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out {
		got = append(got, e.Path)
	}
	want := "/etc/app,/etc/app/conf,/usr/bin/tool,/usr/lib,/usr/lib/x,/usr/lib/x/y.so"
	if strings.Join(got, ",") != want {
		t.Fatalf("planned %s\nwant    %s", strings.Join(got, ","), want)
	}
}

func TestPlanOnTopOfErrors(t *testing.T) {
	for _, tc := range []struct {
		e    Entry
		want string
	}{
		{Entry{Kind: File, Path: "/etc/passwd/x", Source: "h/x"}, "file in the base"},
		{Entry{Kind: File, Path: "/loop/x", Source: "h/x"}, "too many levels"},
	} {
		if _, err := Plan([]Entry{tc.e}, OnTopOf(usrMerged)); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "h/x") {
			t.Errorf("Plan(%s) error = %v, want %q naming h/x", tc.e.Path, err, tc.want)
		}
	}
}
