package layer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCollectHardlinksAndSymlinks(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b"), "same", 0o644)
	must(t, os.Link(filepath.Join(dir, "b"), filepath.Join(dir, "a")))
	must(t, os.Symlink("../outside/target", filepath.Join(dir, "link")))
	must(t, os.Mkdir(filepath.Join(dir, "empty"), 0o700))
	entries, err := Collect(dir, "/app", CollectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Plan(entries)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Entry{}
	for _, e := range out {
		got[e.Path] = e
	}
	if e := got["/app/a"]; e.Kind != File {
		t.Errorf("/app/a = %v, want the regular file (lexically first)", e.Kind)
	}
	if e := got["/app/b"]; e.Kind != Hardlink || e.Target != "/app/a" {
		t.Errorf("/app/b = %v -> %q, want hardlink to /app/a", e.Kind, e.Target)
	}
	if e := got["/app/link"]; e.Kind != Symlink || e.Target != "../outside/target" {
		t.Errorf("/app/link = %v -> %q, want the symlink kept as written", e.Kind, e.Target)
	}
	if e := got["/app/empty"]; e.Kind != Dir {
		t.Errorf("/app/empty = %v, want the empty directory kept", e.Kind)
	}
}

func TestCollectRejectsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o644))
	_, err := Collect(dir, "/app", CollectOptions{})
	if err == nil || !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "FIFO") {
		t.Fatalf("Collect error = %v, want one naming %s as a FIFO", err, fifo)
	}
	_, err = Collect("/dev/null", "/null", CollectOptions{})
	if err == nil || !strings.Contains(err.Error(), "/dev/null") || !strings.Contains(err.Error(), "device") {
		t.Fatalf("Collect error = %v, want one naming /dev/null as a device", err)
	}
}

func TestCollectExclude(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app.js"), "x", 0o644)
	write(t, filepath.Join(dir, "app.js.map"), "x", 0o644)
	write(t, filepath.Join(dir, "node_modules", "m.js"), "x", 0o644)
	entries, err := Collect(dir, "/srv", CollectOptions{Exclude: []string{"*.map", "node_modules"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Path)
	}
	if strings.Join(got, ",") != "/srv,/srv/app.js" {
		t.Fatalf("collected %v, want /srv and /srv/app.js", got)
	}
}

func TestCollectFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	write(t, filepath.Join(src, "real", "f.txt"), "content", 0o644)
	must(t, os.Symlink("real", filepath.Join(src, "alias")))
	must(t, os.Symlink("real/f.txt", filepath.Join(src, "f-link")))
	entries, err := Collect(src, "/app", CollectOptions{FollowSymlinks: true})
	must(t, err)
	got := map[string]Kind{}
	for _, e := range entries {
		got[e.Path] = e.Kind
	}
	if got["/app/alias/f.txt"] != File || got["/app/f-link"] != File || got["/app/alias"] != Dir {
		t.Fatalf("followed entries = %v", got)
	}

	write(t, filepath.Join(dir, "secret"), "x", 0o644)
	must(t, os.Symlink("../secret", filepath.Join(src, "escape")))
	_, err = Collect(src, "/app", CollectOptions{FollowSymlinks: true})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(src, "escape")) || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("Collect error = %v, want the escaping link named", err)
	}
	must(t, os.Remove(filepath.Join(src, "escape")))
	must(t, os.Symlink("..", filepath.Join(src, "real", "up")))
	if _, err := Collect(src, "/app", CollectOptions{FollowSymlinks: true}); err == nil || !strings.Contains(err.Error(), "loops") {
		t.Fatalf("Collect error = %v, want a loop error", err)
	}
}

func TestCollectSpecialBits(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tool"), "x", 0o755)
	must(t, os.Chmod(filepath.Join(dir, "tool"), 0o755|os.ModeSetuid))
	for _, tc := range []struct {
		opts CollectOptions
		want int64
	}{
		{CollectOptions{}, 0o755}, // host setuid: dropped
		{CollectOptions{Mode: 0o755 | os.ModeSetuid, ModeSet: true}, 0o4755}, // asked for: kept
		{CollectOptions{Mode: 0o644, ModeSet: true}, 0o644},                  // explicit mode wins
		{CollectOptions{KeepSpecial: true}, 0o4755},                          // kept on request
	} {
		entries, err := Collect(filepath.Join(dir, "tool"), "/tool", tc.opts)
		must(t, err)
		if got := Header(entries[0], time.Unix(0, 0)).Mode; got != tc.want {
			t.Errorf("%+v: mode %o, want %o", tc.opts, got, tc.want)
		}
	}
}

// TestCollectIntoDir: a dest ending in "/" means "into this directory",
// as Dockerfile COPY reads it: a file source lands at dest/basename, a
// directory's contents under dest (issue #9).
func TestCollectIntoDir(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "server")
	writeFile(t, bin, "elf")
	writeFile(t, filepath.Join(dir, "static", "index.html"), "hi")
	if err := os.Symlink("server", filepath.Join(dir, "bin", "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src, dest string
		want      []string
	}{
		{bin, "/usr/local/bin/", []string{"/usr/local/bin/server"}},
		{bin, "/usr/local/bin/app", []string{"/usr/local/bin/app"}},
		{bin, "/", []string{"/server"}},
		{filepath.Join(dir, "bin", "link"), "/opt/", []string{"/opt/link"}},
		{filepath.Join(dir, "static"), "/srv/static/", []string{"/srv/static/", "/srv/static/index.html"}},
	} {
		es, err := Collect(tc.src, tc.dest, CollectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Path)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Collect(%s, %q) paths = %q, want %q", filepath.Base(tc.src), tc.dest, got, tc.want)
		}
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCollectFollowsTopLevelLink: a source that is a symlink to a
// directory is followed, as cp -r does (issue 13, case 18: it became a link
// that dangled in the image); a link to a file, or to nothing on the host,
// stays a link.
func TestCollectFollowsTopLevelLink(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "releases", "42", "app"), "v42", 0o755)
	must(t, os.Symlink("releases/42", filepath.Join(dir, "current")))
	must(t, os.Symlink("releases/42/app", filepath.Join(dir, "app-link")))
	must(t, os.Symlink("/usr/bin/python3", filepath.Join(dir, "python")))
	entries, err := Collect(filepath.Join(dir, "current"), "/srv", CollectOptions{})
	must(t, err)
	if len(entries) != 2 || entries[0].Kind != Dir || entries[1].Path != "/srv/app" || entries[1].Kind != File {
		t.Errorf("a link to a directory collected as %+v", entries)
	}
	for _, link := range []string{"app-link", "python"} {
		entries, err = Collect(filepath.Join(dir, link), "/bin/x", CollectOptions{})
		must(t, err)
		if len(entries) != 1 || entries[0].Kind != Symlink {
			t.Errorf("%s collected as %+v, want the link", link, entries)
		}
	}
}
