package builder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRun runs git in dir with a fixed identity, failing the test on error.
func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	args = append([]string{"-C", dir, "-c", "user.name=lading", "-c", "user.email=lading@example.invalid", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false"}, args...)
	if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestGitInfo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q")
	if _, err := GitInfo(ctx, dir); err == nil {
		t.Fatal("GitInfo on a repository with no commit succeeded")
	}
	noErr(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644))
	noErr(t, os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("ignored/\n"), 0o644))
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "first")
	g, err := GitInfo(ctx, dir)
	noErr(t, err)
	if len(g.Commit) < 40 || g.ShortCommit != g.Commit[:7] || g.Tag != "" || g.Dirty {
		t.Fatalf("GitInfo = %+v, want a full hash, its 7-character prefix, no tag, clean", g)
	}
	for _, tag := range []string{"v1.9.0", "v1.10.0", "v1.2.0"} {
		gitRun(t, dir, "tag", tag)
	}
	noErr(t, os.MkdirAll(filepath.Join(dir, "ignored"), 0o755))
	noErr(t, os.WriteFile(filepath.Join(dir, "ignored", "x"), nil, 0o644))
	sub := filepath.Join(dir, "sub")
	noErr(t, os.MkdirAll(sub, 0o755))
	g2, err := GitInfo(ctx, sub)
	noErr(t, err)
	if g2.Commit != g.Commit || g2.Tag != "v1.10.0" || g2.Dirty {
		t.Fatalf("GitInfo from a subdirectory = %+v, want the same commit, tag v1.10.0 (highest version), clean (ignored files don't count)", g2)
	}
	noErr(t, os.WriteFile(filepath.Join(dir, "new.txt"), nil, 0o644))
	if g3, err := GitInfo(ctx, dir); err != nil || !g3.Dirty {
		t.Fatalf("GitInfo with an untracked file = %+v, %v; want dirty", g3, err)
	}
}

func TestGitInfoOutsideCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	_, err := GitInfo(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("GitInfo outside a checkout = %v, want an error naming %s", err, dir)
	}
	_, err = expand("${GIT_COMMIT}", Vars{GitErr: err})
	if err == nil || !strings.Contains(err.Error(), "${GIT_COMMIT} is not set (git rev-parse") {
		t.Fatalf("expand with GitErr = %v, want it to name the variable and git's reason", err)
	}
}
