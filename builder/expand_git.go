package builder

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Git is what the spec's git built-ins expand to.
type Git struct {
	Commit string // ${GIT_COMMIT}: HEAD's full hash
	// ShortCommit is ${GIT_SHORT_COMMIT}: the first 7 characters of
	// Commit, always 7 (git's own --short grows with the repository, so two
	// clones could disagree).
	ShortCommit string
	// Tag is ${GIT_TAG}: the highest version-sorted tag pointing at HEAD,
	// "" when none does.
	Tag string
	// Dirty is ${GIT_DIRTY}: whether tracked or untracked (not ignored)
	// files differ from HEAD.
	Dirty bool
}

// builtin returns the value of a GIT_ built-in, and whether name is one.
func (g Git) builtin(name string) (string, bool) {
	switch name {
	case "GIT_COMMIT":
		return g.Commit, true
	case "GIT_SHORT_COMMIT":
		return g.ShortCommit, true
	case "GIT_TAG":
		return g.Tag, true
	case "GIT_DIRTY":
		return fmt.Sprint(g.Dirty), true
	}
	return "", false
}

// GitInfo reads the git built-ins for the checkout dir is in, running git
// with the process's environment (as cmd/lading's epoch lookup does). It
// fails when dir is not in a checkout, HEAD has no commit, or git is
// missing; cmd passes that error on as Vars.GitErr rather than stopping,
// since only a spec that uses the built-ins needs them.
func GitInfo(ctx context.Context, dir string) (Git, error) {
	commit, err := git(ctx, dir, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return Git{}, err
	}
	tags, err := git(ctx, dir, "tag", "--points-at", "HEAD", "--sort=-version:refname")
	if err != nil {
		return Git{}, err
	}
	status, err := git(ctx, dir, "--no-optional-locks", "status", "--porcelain")
	if err != nil {
		return Git{}, err
	}
	tag, _, _ := strings.Cut(tags, "\n")
	return Git{Commit: commit, ShortCommit: commit[:min(7, len(commit))], Tag: tag, Dirty: status != ""}, nil
}

// git runs git in dir and returns its trimmed stdout.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, msg)
	}
	return strings.TrimSpace(string(out)), nil
}
