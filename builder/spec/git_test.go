package spec

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

func TestReadGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q")
	if _, err := ReadGit(ctx, dir); err == nil {
		t.Fatal("ReadGit on a repository with no commit succeeded")
	}
	noErr(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644))
	noErr(t, os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("ignored/\n"), 0o644))
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "first")
	g, err := ReadGit(ctx, dir)
	noErr(t, err)
	if len(g.Commit) < 40 || g.ShortCommit != g.Commit[:7] || g.Tag != "" || g.Dirty {
		t.Fatalf("ReadGit = %+v, want a full hash, its 7-character prefix, no tag, clean", g)
	}
	for _, tag := range []string{"v1.9.0", "v1.10.0", "v1.2.0"} {
		gitRun(t, dir, "tag", tag)
	}
	noErr(t, os.MkdirAll(filepath.Join(dir, "ignored"), 0o755))
	noErr(t, os.WriteFile(filepath.Join(dir, "ignored", "x"), nil, 0o644))
	sub := filepath.Join(dir, "sub")
	noErr(t, os.MkdirAll(sub, 0o755))
	g2, err := ReadGit(ctx, sub)
	noErr(t, err)
	if g2.Commit != g.Commit || g2.Tag != "v1.10.0" || g2.Dirty {
		t.Fatalf("ReadGit from a subdirectory = %+v, want the same commit, tag v1.10.0 (highest version), clean (ignored files don't count)", g2)
	}
	noErr(t, os.WriteFile(filepath.Join(dir, "new.txt"), nil, 0o644))
	if g3, err := ReadGit(ctx, dir); err != nil || !g3.Dirty {
		t.Fatalf("ReadGit with an untracked file = %+v, %v; want dirty", g3, err)
	}
}

func TestReadGitOutsideCheckout(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	_, err := ReadGit(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("ReadGit outside a checkout = %v, want an error naming %s", err, dir)
	}
	_, err = expand("${GIT_COMMIT}", Vars{GitErr: err})
	if err == nil || !strings.Contains(err.Error(), "${GIT_COMMIT} is not set (git log") {
		t.Fatalf("expand with GitErr = %v, want it to name the variable and git's reason", err)
	}
}

// TestReadGitRemoteAndTime checks the facts beyond the built-ins: the
// commit time (the default epoch) and the remote (origin, else the first
// configured, else none).
func TestReadGitRemoteAndTime(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q")
	noErr(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a\n"), 0o644))
	gitRun(t, dir, "add", ".")
	cmd := exec.Command("git", "-C", dir, "commit", "-q", "-m", "first")
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=@1700000000 +0000", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git commit: %v: %s", err, out)
	}
	for _, step := range []struct{ add, url, want string }{
		{"", "", ""},
		{"zeta", "https://example.invalid/zeta.git", "https://example.invalid/zeta.git"},
		{"alpha", "https://example.invalid/alpha.git", "https://example.invalid/zeta.git"},
		{"origin", "https://example.invalid/origin.git", "https://example.invalid/origin.git"},
	} {
		if step.add != "" {
			gitRun(t, dir, "remote", "add", step.add, step.url)
		}
		g, err := ReadGit(ctx, dir)
		noErr(t, err)
		if g.Remote != step.want || g.CommitTime.Unix() != 1700000000 {
			t.Errorf("after adding %q: Remote %q, CommitTime %d; want %q, 1700000000", step.add, g.Remote, g.CommitTime.Unix(), step.want)
		}
	}
}
