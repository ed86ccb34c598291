package registry

import (
	"context"
	"errors"
	"net/http"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// wholeAnswer reports whether resp says, in full, that the registry holds
// the blob or manifest d of size bytes: status 200, Content-Length equal to
// size, and Docker-Content-Digest, when sent, equal to d. A broken
// intermediary answered a blob HEAD with 200, Content-Length 100000, a few
// bytes and a reset; taken as present, the blob was never uploaded and the
// manifest was refused (issue 9). Trust no answer we can check.
func wholeAnswer(resp *http.Response, d v1.Hash, size int64) bool {
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		return false
	}
	got := resp.Header.Get("Docker-Content-Digest")
	return got == "" || got == d.String()
}

// mountAnswer reports whether a 201 to a mount of d may be believed: its
// Docker-Content-Digest, when sent, is d.
func mountAnswer(resp *http.Response, d v1.Hash) bool {
	got := resp.Header.Get("Docker-Content-Digest")
	return resp.StatusCode == http.StatusCreated && (got == "" || got == d.String())
}

// hasBlob reports whether the repository holds blob d of size bytes (see
// wholeAnswer). A HEAD that fails, after the transport's retries, counts as
// absent: the HEAD only saves an upload, which then happens, and a
// registry that is really down fails that upload.
func (rc *repoClient) hasBlob(ctx context.Context, d v1.Hash, size int64) (bool, error) {
	return rc.has(ctx, "blobs/"+d.String(), nil, d, size)
}

// hasManifest reports whether the repository holds the manifest d of size
// bytes, as hasBlob does. A 401 or 403 counts as absent, as in ggcr (some
// registries answer 403 for a missing manifest); the push itself reports a
// real lack of permission.
func (rc *repoClient) hasManifest(ctx context.Context, d v1.Hash, size int64) (bool, error) {
	return rc.has(ctx, "manifests/"+d.String(), map[string]string{"Accept": acceptManifests}, d, size)
}

// has sends the HEAD of path and judges its answer (see hasBlob).
func (rc *repoClient) has(ctx context.Context, path string, header map[string]string, d v1.Hash, size int64) (bool, error) {
	resp, err := rc.do(ctx, http.MethodHead, rc.url(path), nil, header, http.StatusOK)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var ee *endpointError
	if errors.As(err, &ee) {
		return false, err // the host is gone: so will the upload be
	}
	if err != nil {
		return false, nil // 404, or a failure: upload
	}
	resp.Body.Close()
	return wholeAnswer(resp, d, size), nil
}
