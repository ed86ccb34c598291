package builder

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
)

// Build runs req: it packs the added host paths into one layer, assembles
// the image and writes every output. Outputs are written only after the
// whole image exists, each whole or not at all.
func Build(ctx context.Context, req Request) (*Result, error) {
	if req.Logger == nil {
		req.Logger = slog.New(slog.DiscardHandler)
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	img, layers, err := buildImage(ctx, req)
	if err != nil {
		return nil, err
	}
	res, err := newResult(img, layers)
	if err != nil {
		return nil, err
	}
	if err := writeOutputs(ctx, req, img, res); err != nil {
		return nil, err
	}
	return res, nil
}

// buildImage writes the layer and assembles the image for req.Platform.
func buildImage(ctx context.Context, req Request) (v1.Image, []*layer.Layer, error) {
	var layers []manifest.Layer
	var written []*layer.Layer
	if len(req.Adds) > 0 {
		l, err := writeAddLayer(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		written = append(written, l)
		layers = append(layers, manifest.Layer{Layer: l, CreatedBy: addCreatedBy(req.Adds)})
	}
	img, err := manifest.Build(manifest.Image{
		Layers:      layers,
		Platform:    req.Platform,
		Epoch:       req.Epoch,
		Config:      req.Config,
		Annotations: req.Annotations,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("assemble image: %w", err)
	}
	return img, written, nil
}

// writeAddLayer collects every --add source into one planned layer.
func writeAddLayer(ctx context.Context, req Request) (*layer.Layer, error) {
	var entries []layer.Entry
	for _, a := range req.Adds {
		es, err := layer.Collect(a.Src, a.Dest, layer.CollectOptions{Logger: req.Logger})
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	planned, err := layer.Plan(entries)
	if err != nil {
		return nil, err
	}
	w, err := layer.NewWriter(req.WorkDir, layer.WithEpoch(req.Epoch), layer.WithCompression(req.Compression, req.Level))
	if err != nil {
		return nil, err
	}
	req.Logger.Info("packing layer", "entries", len(planned))
	return w.Write(ctx, planned)
}

// addCreatedBy describes an --add layer by its image paths only: host paths
// differ between machines and must not reach the image.
func addCreatedBy(adds []Add) string {
	dests := make([]string, 0, len(adds))
	for _, a := range adds {
		dests = append(dests, a.Dest)
	}
	slices.Sort(dests)
	return "lading build --add " + strings.Join(slices.Compact(dests), " ")
}
