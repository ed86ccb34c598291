package builder

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry/oci"
)

// writeDockerArchive writes the docker-archive output o to path. Its result
// names the image ID (the config digest), which is what `docker load`,
// `docker images` and `podman images` show for it: a docker-archive has no
// manifest digest any tool reports (issue 9).
func writeDockerArchive(ctx context.Context, req Request, images []platformImage, o Output, path string) (Written, error) {
	img, err := dockerArchiveImage(req, images)
	if err != nil {
		return Written{}, err
	}
	id, err := img.ConfigName()
	if err != nil {
		return Written{}, fmt.Errorf("digest config: %w", err)
	}
	w := Written{Kind: o.Kind, Path: o.Path, Digest: id, ImageID: id}
	if img, err = gzipLayers(ctx, req, img); err != nil {
		return w, err
	}
	if err := oci.WriteDockerArchive(ctx, path, img, req.repoTags(), req.Epoch); err != nil {
		return w, err
	}
	req.Logger.Info("the docker-archive's result line names its image ID (config digest), as docker images and podman images show it", "imageID", id.String())
	return w, nil
}

// gzipLayers returns img with every zstd layer recompressed to gzip, with
// the pinned gzip settings: Docker Engine before 23 and crane cannot load
// zstd layers from a docker-archive ("invalid tar header"), and docker save
// never writes them (issue 9). Other layers stay as they are (docker save
// itself writes uncompressed ones); the config, and so the image ID, does
// not change. Only this output is affected.
func gzipLayers(ctx context.Context, req Request, img v1.Image) (v1.Image, error) {
	ls, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	out := make([]v1.Layer, len(ls))
	var w *layer.Writer
	for i, l := range ls {
		if out[i] = l; !isZstd(l) {
			continue
		}
		if w == nil {
			if w, err = gzipWriter(req); err != nil {
				return nil, err
			}
			req.Logger.Warn("docker-archive: zstd layers are stored as gzip, which every docker load reads; the other outputs keep zstd")
		}
		if out[i], err = w.Recompress(ctx, l); err != nil {
			return nil, err
		}
	}
	if w == nil {
		return img, nil
	}
	return manifest.Relayered(img, out)
}

// isZstd reports whether l is a zstd layer.
func isZstd(l v1.Layer) bool {
	mt, err := l.MediaType()
	return err == nil && mt == types.OCILayerZStd
}

// gzipWriter writes gzip layers, at the pinned default level, into a new
// directory of the work directory.
func gzipWriter(req Request) (*layer.Writer, error) {
	dir, err := os.MkdirTemp(req.WorkDir, "docker-gzip-*")
	if err != nil {
		return nil, fmt.Errorf("create work directory: %w", err)
	}
	return layer.NewWriter(dir, layer.WithCompression(layer.Gzip, 0), layer.WithCompressionJobs(req.Jobs))
}

// dockerArchiveImage picks the one image a docker-archive can hold: the
// only one, or the one for req.ArchivePlatform (default the host's).
func dockerArchiveImage(req Request, images []platformImage) (v1.Image, error) {
	if len(images) == 1 {
		return images[0].image, nil
	}
	want := req.ArchivePlatform
	if want == nil {
		return nil, fmt.Errorf("a docker-archive holds one image; name its platform with --archive-platform")
	}
	var have []string
	for _, pi := range images {
		if pi.platform.Satisfies(*want) {
			req.Logger.Warn("docker-archive holds one platform only", "platform", pi.platform.String())
			return pi.image, nil
		}
		have = append(have, pi.platform.String())
	}
	return nil, fmt.Errorf("no image for platform %s to put in the docker-archive (built: %v)", want, have)
}
