package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
)

// uploadBlobs puts into rc's repository every blob of nodes' images, each
// once, WithPushJobs at a time; each blob is restarted from its HEAD, in a
// new upload session, by restartBlob. When again is not nil, only the blobs
// in it are sent, and without a HEAD or a mount first: the registry has
// just said it lacks them (see putNode).
func (r *pushRun) uploadBlobs(ctx context.Context, rc *repoClient, nodes []planNode, again map[v1.Hash]bool) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.c.o.pushJobs)
	seen := map[v1.Hash]bool{}
	for _, n := range nodes {
		if n.config == nil {
			continue // an index: no blobs of its own
		}
		for i, l := range append(append([]v1.Layer{}, n.layers...), n.config) {
			if gctx.Err() != nil {
				break
			}
			d, err := l.Digest()
			if err != nil {
				g.Go(func() error { return &sourceError{fmt.Errorf("digest blob: %w", err)} })
				break
			}
			if seen[d] || again != nil && !again[d] {
				continue
			}
			seen[d] = true
			from := mountFrom(l, n, rc.repo, i < len(n.layers))
			if from == nil {
				from = r.sibling(rc.repo)
			}
			force := again != nil
			if force {
				from = nil
			}
			tl := r.tally.track(unwrapMountable(l), d)
			g.Go(func() error {
				return restartBlob(gctx, r.c.o.policy(), r.c.o.logger, "upload blob "+d.String(), func(ctx context.Context) error {
					return rc.uploadBlob(ctx, tl, d, from, force)
				})
			})
		}
	}
	return g.Wait()
}

// mountFrom is the repository of repo's registry a layer may be mounted
// from: where it was pulled from (ggcr's MountableLayer), else its image's
// base. Configs are never mounted.
func mountFrom(l v1.Layer, n planNode, repo name.Repository, isLayer bool) *name.Repository {
	if !isLayer {
		return nil
	}
	if ml, ok := l.(*remote.MountableLayer); ok {
		if src := ml.Reference.Context(); sameRegistryOtherRepo(src, repo) {
			return &src
		}
	}
	if ref, ok := n.mountSource(repo); ok {
		src := ref.Context()
		return &src
	}
	return nil
}

// sibling is a repository of repo's registry this push has already filled:
// pushing one image to several repositories of a registry uploads each
// blob once and mounts it everywhere else.
func (r *pushRun) sibling(repo name.Repository) *name.Repository {
	for _, d := range r.done {
		if sameRegistryOtherRepo(d, repo) {
			return &d
		}
	}
	return nil
}

func unwrapMountable(l v1.Layer) v1.Layer {
	if ml, ok := l.(*remote.MountableLayer); ok {
		return ml.Layer
	}
	return l
}

// sameRegistryOtherRepo reports whether src can be mounted into repo.
func sameRegistryOtherRepo(src, repo name.Repository) bool {
	return src.RegistryStr() == repo.RegistryStr() && src.RepositoryStr() != repo.RepositoryStr()
}

// result describes the finished push; subjects are the OCI-Subject
// headers of the PUT at each ref.
func (r *pushRun) result(refs []name.Reference, subjects []string) *PushResult {
	mt, _ := r.plan.top.MediaType()
	res := &PushResult{Digest: r.plan.digest, MediaType: mt, Blobs: r.tally.counts()}
	for i, ref := range refs {
		res.Refs = append(res.Refs, PushedRef{Ref: ref.String(), Repository: ref.Context().Name(), Digest: r.plan.digest,
			ociSubject: subjects[i]})
	}
	for _, repo := range repositories(refs) {
		for _, n := range r.plan.nodes {
			if n.config != nil {
				res.Manifests = append(res.Manifests, PushedManifest{Repository: repo.Name(), Platform: n.platform, Digest: n.digest})
			}
		}
	}
	return res
}
