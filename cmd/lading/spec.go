package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/lading-dev/lading/builder/spec"
)

// defaultSpec is the spec lading build reads when -f is not given.
const defaultSpec = "lading.yaml"

// specPath returns the spec to build: -f's, else ./lading.yaml when it
// exists and noSpec (--no-spec) is not set, else "" (a build from flags
// alone). A -f file that does not exist is a usage error.
func specPath(flag string, noSpec bool, dir string) (string, error) {
	switch {
	case flag != "" && noSpec:
		return "", usagef("-f %s and --no-spec contradict each other; give one", flag)
	case flag != "":
		if _, err := os.Stat(flag); errors.Is(err, fs.ErrNotExist) {
			return "", usagef("-f: %v", err)
		}
		return flag, nil
	case noSpec:
		return "", nil
	}
	p := filepath.Join(dir, defaultSpec)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("look for %s: %w", p, err)
	}
	return p, nil
}

// gitFacts reads the facts of the checkout dir is in once, on first use:
// the spec's built-ins, the default epoch and the revision and source
// annotations all come from one spec.ReadGit.
type gitFacts struct {
	dir  string
	once sync.Once
	git  spec.Git
	err  error
}

func (g *gitFacts) get(ctx context.Context) (spec.Git, error) {
	g.once.Do(func() { g.git, g.err = spec.ReadGit(ctx, g.dir) })
	return g.git, g.err
}

// loadSpec reads the spec with ${VAR}s from the environment and the git
// built-ins from git, the checkout the spec is in.
func loadSpec(ctx context.Context, path string, e env, git *gitFacts) (*spec.Spec, error) {
	g, gitErr := git.get(ctx)
	return spec.Load(path, spec.Vars{Lookup: e.lookup, Git: g, GitErr: gitErr})
}

// gitAnnotations returns org.opencontainers.image.revision and .source
// when the checkout has a remote another machine could reach; nothing
// otherwise.
func gitAnnotations(g spec.Git, err error) map[string]string {
	if err != nil || g.Remote == "" || isLocalPath(g.Remote) {
		return nil // a path on this machine: nothing a reader could fetch
	}
	return map[string]string{
		"org.opencontainers.image.revision": g.Commit,
		"org.opencontainers.image.source":   withoutCredentials(g.Remote),
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
