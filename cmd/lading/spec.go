package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lading-dev/lading/builder"
)

// defaultSpec is the spec lading build reads when -f is not given.
const defaultSpec = "lading.yaml"

// specPath returns the spec to build: -f's, else ./lading.yaml when it
// exists, else "" (a build from flags alone).
func specPath(flag, dir string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	p := filepath.Join(dir, defaultSpec)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("look for %s: %w", p, err)
	}
	return p, nil
}

// loadSpec reads the spec with ${VAR}s from the environment and the git
// built-ins from the checkout the spec is in.
func loadSpec(ctx context.Context, path string, e env) (*builder.Spec, error) {
	git, gitErr := builder.GitInfo(ctx, filepath.Dir(path))
	return builder.LoadSpec(path, builder.Vars{Lookup: e.lookup, Git: git, GitErr: gitErr})
}

// gitAnnotations returns org.opencontainers.image.revision and .source
// when dir is in a git checkout with a remote; nothing otherwise.
func gitAnnotations(ctx context.Context, dir string) map[string]string {
	rev, err := gitOutput(ctx, dir, "rev-parse", "HEAD")
	if err != nil {
		return nil
	}
	remote, err := gitOutput(ctx, dir, "remote", "get-url", "origin")
	if err != nil {
		remotes, rerr := gitOutput(ctx, dir, "remote")
		name, _, _ := strings.Cut(remotes, "\n")
		if rerr != nil || name == "" {
			return nil
		}
		if remote, err = gitOutput(ctx, dir, "remote", "get-url", name); err != nil {
			return nil
		}
	}
	if isLocalPath(remote) {
		return nil // a path on this machine: nothing a reader could fetch
	}
	return map[string]string{
		"org.opencontainers.image.revision": rev,
		"org.opencontainers.image.source":   withoutCredentials(remote),
	}
}

// isLocalPath reports whether a git remote is a path or file:// URL
// rather than a URL or host:path another machine could reach.
func isLocalPath(remote string) bool {
	if strings.HasPrefix(remote, "file://") || filepath.IsAbs(remote) || strings.HasPrefix(remote, ".") {
		return true
	}
	return !strings.Contains(remote, ":")
}

// withoutCredentials drops any user:password@ from a remote URL: a token
// in a CI checkout's remote must never reach an image.
func withoutCredentials(remote string) string {
	u, err := url.Parse(remote)
	if err != nil || u.Scheme == "" || u.User == nil {
		return remote
	}
	u.User = nil
	return u.String()
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
	return strings.TrimSpace(string(out)), err
}
