package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// uploadBlob puts blob l (digest d) into the repository, in ggcr's steps
// (remote/write.go: checkExistingBlob → initiateUpload → streamBlob →
// commitBlob) but with one request carrying the body: nothing when the
// repository has the blob (HEAD); a cross-repository mount when from is
// set and has it; else a monolithic upload, where POST opens a session and
// one PUT ?digest= carries the whole blob and closes it.
//
// Why not ggcr's PATCH then PUT: each is a request inside the session that
// cannot be resent after a failure, so each failing attempt needs a new
// session; with one such request per attempt instead of two, an upload
// behind a registry failing one request in three needs about half as many
// restarts. Monolithic POST-then-PUT is part of the distribution spec that
// every registry implements. A failed attempt is restarted from the HEAD,
// in a new session, by restartBlob; this function sends each request once.
// force skips the HEAD: the registry said it lacks the blob.
func (rc *repoClient) uploadBlob(ctx context.Context, l v1.Layer, d v1.Hash, from *name.Repository, force bool) error {
	size, err := l.Size()
	if err != nil {
		return &sourceError{fmt.Errorf("size blob %s: %w", d, err)}
	}
	if !force {
		if ok, err := rc.hasBlob(ctx, d, size); err != nil || ok {
			return err
		}
	}
	loc, mounted, err := rc.openUpload(ctx, d, from)
	if err != nil || mounted {
		return err
	}
	return rc.putBlob(ctx, loc, l, d)
}

// openUpload starts an upload session, or mounts d from from (201). A
// registry that fails the mount outright gets a plain POST (ggcr #1404).
func (rc *repoClient) openUpload(ctx context.Context, d v1.Hash, from *name.Repository) (string, bool, error) {
	u := rc.url("blobs/uploads/")
	if from != nil {
		u += "?" + url.Values{"mount": {d.String()}, "from": {from.RepositoryStr()}}.Encode()
	}
	resp, err := rc.do(ctx, http.MethodPost, u, nil, nil, http.StatusCreated, http.StatusAccepted)
	if err != nil && from != nil && ctx.Err() == nil {
		return rc.openUpload(ctx, d, nil)
	}
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		if mountAnswer(resp, d) {
			return "", true, nil
		}
		return rc.openUpload(ctx, d, nil) // a mount answer naming another blob
	}
	loc, err := nextLocation(resp)
	return loc, false, err
}

// putBlob sends the whole blob to the session at loc and closes it.
func (rc *repoClient) putBlob(ctx context.Context, loc string, l v1.Layer, d v1.Hash) error {
	u, err := url.Parse(loc)
	if err != nil {
		return fmt.Errorf("parse upload location: %w", err)
	}
	q := u.Query()
	q.Set("digest", d.String())
	u.RawQuery = q.Encode()
	size, err := l.Size()
	if err != nil {
		return &sourceError{fmt.Errorf("size blob %s: %w", d, err)}
	}
	body, err := l.Compressed()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), body)
	if err != nil {
		body.Close()
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := rc.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusCreated, http.StatusNoContent); err != nil {
		if after := retryAfterIn(resp); after >= 0 {
			return &waitError{err: err, after: after}
		}
		return err
	}
	return nil
}
