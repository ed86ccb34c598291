package builder

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry"
)

// writeOutputs writes img to every requested output, in order, and records
// each in res.
func writeOutputs(ctx context.Context, req Request, img v1.Image, res *Result) error {
	for _, o := range req.Outputs {
		if err := writeOutput(ctx, req, img, o); err != nil {
			return err
		}
		w := Written{Kind: o.Kind, Path: o.Path, Digest: res.Digest}
		if o.Kind != DockerArchive {
			w.Ref = req.refName(o)
		}
		res.Outputs = append(res.Outputs, w)
		req.Logger.Info("wrote output", "kind", o.Kind, "path", o.Path)
	}
	return nil
}

func writeOutput(ctx context.Context, req Request, img v1.Image, o Output) error {
	var err error
	switch o.Kind {
	case OCILayout:
		err = registry.WriteLayout(ctx, o.Path, img, req.refName(o))
	case OCIArchive:
		err = registry.WriteOCIArchive(ctx, o.Path, img, req.refName(o), req.Epoch)
	case DockerArchive:
		err = registry.WriteDockerArchive(ctx, o.Path, img, req.repoTags(), req.Epoch)
	default:
		err = fmt.Errorf("unknown output kind %q", o.Kind)
	}
	if err != nil {
		return fmt.Errorf("write %s %s: %w", o.Kind, o.Path, err)
	}
	return nil
}
