package builder

import (
	"context"

	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

// Pusher pushes an image or index to registry references; cmd passes the
// registry client, the same one that pulls registry bases.
type Pusher interface {
	Push(ctx context.Context, a oci.Artifact, refs []string) (*registry.PushResult, error)
}

// pushAll pushes the artifact to every tag, once the local outputs are
// written, and lists each pushed reference as an output.
func pushAll(ctx context.Context, req Request, art product, res *Result) error {
	pushed, err := req.Pusher.Push(ctx, art.value(), req.Tags)
	if err != nil {
		return err
	}
	res.Pushed = pushed
	for _, r := range pushed.Refs {
		res.Outputs = append(res.Outputs, Written{Kind: Registry, Path: r.Repository, Ref: r.Ref, Digest: r.Digest})
	}
	return nil
}
