package registry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/google/go-containerregistry/pkg/name"
)

// pushRun is one Push: its plan, the client's shared transport seen
// through this run's tally, and one authenticated client per repository.
type pushRun struct {
	c       *Client
	plan    *pushPlan
	rt      http.RoundTripper
	tally   *tally
	clients map[string]*repoClient
	done    []name.Repository // repositories that have all the content
}

func (c *Client) newPushRun(plan *pushPlan) *pushRun {
	t := newTally(c.o.logger, c.o.progressEvery)
	return &pushRun{c: c, plan: plan, rt: &observer{inner: c.base, tally: t}, tally: t, clients: map[string]*repoClient{}}
}

// stop ends the run's progress reports.
func (r *pushRun) stop() { r.tally.stop() }

// push puts the content into every repository, then every tag.
func (r *pushRun) push(ctx context.Context, refs []name.Reference) (*PushResult, error) {
	for _, repo := range repositories(refs) {
		if err := r.pushContent(ctx, repo); err != nil {
			return nil, fmt.Errorf("push to %s: %w", repo, explain(err, repo, "push"))
		}
		r.done = append(r.done, repo)
	}
	subjects := make([]string, len(refs))
	for i, ref := range refs {
		rc := r.clients[ref.Context().String()]
		var err error
		if subjects[i], err = r.putNode(ctx, rc, ref.Identifier(), r.plan.nodes[len(r.plan.nodes)-1]); err != nil {
			return nil, fmt.Errorf("push %s: %w", ref, explain(err, ref.Context(), "push"))
		}
		level := slog.LevelInfo
		if supporting(ref) {
			level = slog.LevelDebug // the caller says what it was for
		}
		r.c.o.logger.Log(ctx, level, "pushed", "ref", ref.String(), "digest", r.plan.digest.String())
	}
	return r.result(refs, subjects), nil
}

// pushContent puts into repo every blob and child manifest the top
// manifest needs, skipping manifests repo has, children before parents.
func (r *pushRun) pushContent(ctx context.Context, repo name.Repository) error {
	rc, err := r.newRepoClient(ctx, repo, r.mountSources(repo))
	if err != nil {
		return err
	}
	r.clients[repo.String()] = rc
	nodes := r.plan.nodes
	top := nodes[len(nodes)-1]
	if ok, err := r.has(ctx, rc, top); err != nil || ok {
		if ok {
			// Debug: a build that attaches documents sends the content by
			// digest first, so its tag step always lands here; the
			// "pushed" line's counts say what was sent.
			r.c.o.logger.Debug("already in repository; putting tags only", "repository", repo.String(), "digest", top.digest.String())
		}
		return err
	}
	var missing []planNode
	for _, n := range nodes[:len(nodes)-1] {
		ok, err := r.has(ctx, rc, n)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, n)
		}
	}
	if err := r.uploadBlobs(ctx, rc, append(missing, top), nil); err != nil {
		return err
	}
	for _, n := range missing {
		if _, err := r.putNode(ctx, rc, n.digest.String(), n); err != nil {
			return err
		}
	}
	return nil
}

// mountSources lists the repositories a push to repo may mount from, for
// the token's pull scopes: the plan's, and a sibling already filled.
func (r *pushRun) mountSources(repo name.Repository) []name.Repository {
	out := r.plan.mountSources(repo)
	if s := r.sibling(repo); s != nil {
		out = append(out, *s)
	}
	return out
}

// has reports whether rc's repository holds the manifest of n.
func (r *pushRun) has(ctx context.Context, rc *repoClient, n planNode) (bool, error) {
	raw, err := n.a.RawManifest()
	if err != nil {
		return false, &sourceError{fmt.Errorf("read manifest %s: %w", n.digest, err)}
	}
	return rc.hasManifest(ctx, n.digest, int64(len(raw)))
}

// supportingTag matches the tags that hold documents about an image rather
// than the image: the referrers tag fallback (sha256-<hex>) and cosign's
// signature and attestation tags (sha256-<hex>.sig, .att).
var supportingTag = regexp.MustCompile(`^sha256-[0-9a-f]{64}(\.sig|\.att)?$`)

// supporting says whether ref is a step of a larger push: a digest (content
// sent before its tags, or a referrer artifact) or a supporting tag. Its
// "pushed" record is logged at debug level: the step's caller logs what it
// was for ("attached", "signed"), and a person reads that instead.
func supporting(ref name.Reference) bool {
	if _, ok := ref.(name.Digest); ok {
		return true
	}
	return supportingTag.MatchString(ref.Identifier())
}
