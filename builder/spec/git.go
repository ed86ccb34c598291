package spec

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Git is what lading learns from the git checkout a build runs in, read
// once by ReadGit: the spec's git built-ins, the default epoch and the
// revision and source annotations all come from it.
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
	// CommitTime is HEAD's committer time, the default build epoch.
	CommitTime time.Time
	// Remote is the URL of the remote named origin, else of the first
	// remote configured; "" when there is none. It is as configured:
	// credentials in it are the caller's to strip.
	Remote string
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

// ReadGit reads the facts of the checkout dir is in with four git
// commands, run at once (one after another they cost a no-op rebuild a
// noticeable share of its time, issue 10), with the process's environment.
// It fails when dir is not in a checkout, HEAD has no commit, or git is
// missing; cmd passes that error on as Vars.GitErr rather than stopping,
// since only a spec that uses the built-ins needs them.
func ReadGit(ctx context.Context, dir string) (Git, error) {
	var head, tags, status, remote string
	errs := make([]error, 3) // in command order, so the error reported is always git log's first
	var wg sync.WaitGroup
	run := func(i int, out *string, args ...string) {
		defer wg.Done()
		*out, errs[i] = RunGit(ctx, dir, args...)
	}
	wg.Add(4)
	go run(0, &head, "log", "-1", "--format=%H %ct", "HEAD")
	go run(1, &tags, "tag", "--points-at", "HEAD", "--sort=-version:refname")
	go run(2, &status, "--no-optional-locks", "status", "--porcelain")
	go func() { defer wg.Done(); remote = remoteURL(ctx, dir) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Git{}, err
		}
	}
	commit, ct, _ := strings.Cut(head, " ")
	secs, err := strconv.ParseInt(ct, 10, 64)
	if err != nil || len(commit) < 7 {
		return Git{}, fmt.Errorf("git log in %s: unexpected answer %q", dir, head)
	}
	tag, _, _ := strings.Cut(tags, "\n")
	return Git{Commit: commit, ShortCommit: commit[:7], Tag: tag, Dirty: status != "",
		CommitTime: time.Unix(secs, 0).UTC(), Remote: remote}, nil
}

// remoteURL returns origin's URL, else the first configured remote's,
// else "".
func remoteURL(ctx context.Context, dir string) string {
	out, err := RunGit(ctx, dir, "config", "--get-regexp", `^remote\..*\.url$`)
	if err != nil {
		return "" // git config exits 1 when nothing matches
	}
	first := ""
	for _, line := range strings.Split(out, "\n") {
		key, url, _ := strings.Cut(line, " ")
		if key == "remote.origin.url" {
			return url
		}
		if first == "" {
			first = url
		}
	}
	return first
}

// RunGit runs git in dir with the process's environment and returns its
// trimmed stdout; an error carries git's stderr. It is the one way lading
// runs git (the build's facts here, lading verify's clone in cmd).
func RunGit(ctx context.Context, dir string, args ...string) (string, error) {
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
