package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/lading-dev/lading/registry/oci"
)

// Pull resolves ref (a tag or a digest) to the image or index it names,
// with the client's credentials, TLS settings and retries, as pushes use.
//
// Sharp edge: blobs are fetched later, when read, with ctx; ggcr's remote
// images and layers keep the context they were fetched with, because
// v1.Layer's methods take none. So ctx must live as long as the artifact
// is used: a whole build, not one call. For the same reason the push
// timeout does not apply here. Layers of a pulled image are ggcr
// MountableLayers, so a push to another repository of the same registry
// mounts them.
func (c *Client) Pull(ctx context.Context, ref string) (oci.Artifact, error) {
	r, err := c.parseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	puller, err := remote.NewPuller(c.remoteOptions(c.base)...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	desc, err := puller.Get(ctx, r) // each request retried in place by the transport
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, explain(err, r.Context(), "pull"))
	}
	switch {
	case desc.MediaType.IsIndex():
		return desc.ImageIndex()
	case desc.MediaType.IsImage():
		return desc.Image()
	}
	return nil, fmt.Errorf("pull %s: it is a %s, not an image or an index", ref, desc.MediaType)
}
