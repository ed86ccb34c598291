package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/registry/oci"
)

// product is what a build makes: one image or an index.
type product struct {
	image v1.Image
	index v1.ImageIndex
}

func (a product) value() oci.Artifact {
	if a.index != nil {
		return a.index
	}
	return a.image
}

// writeAll describes the build and writes every output in order. When an
// output fails (or the build is cancelled) after others were written, the
// result lists those, each whole, beside the error.
func writeAll(ctx context.Context, req Request, b base, art product, images []platformImage, refs []referrer) (*Result, error) {
	res, err := newResult(b, art, images)
	if err != nil {
		return nil, err
	}
	if res.Attestations, err = attestationInfos(refs); err != nil {
		return nil, err
	}
	for _, o := range req.Outputs {
		w, err := writeOutput(ctx, req, art, images, refs, o)
		if err != nil {
			return res, fmt.Errorf("write %s %s: %w", o.Kind, o.Path, err)
		}
		res.Outputs = append(res.Outputs, w)
		req.Logger.Info("wrote output", "kind", o.Kind, "path", o.Path, "digest", w.Digest.String())
	}
	if req.Push {
		if err := pushAll(ctx, req, art, refs, res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeOutput writes one output and says what it holds. A streamed
// output is written whole into the work directory, then copied to o.To.
func writeOutput(ctx context.Context, req Request, art product, images []platformImage, refs []referrer, o Output) (Written, error) {
	if o.To == nil {
		return writeFile(ctx, req, art, images, refs, o, o.Path)
	}
	tmp := filepath.Join(req.WorkDir, "stream-"+string(o.Kind))
	defer os.Remove(tmp)
	w, err := writeFile(ctx, req, art, images, refs, o, tmp)
	if err != nil {
		return w, err
	}
	return w, streamFile(tmp, o.To)
}

// writeFile writes output o to path, with the documents that refer to the
// image beside it in a layout or oci-archive; a docker-archive has no
// place for them, and the log says so.
func writeFile(ctx context.Context, req Request, art product, images []platformImage, refs []referrer, o Output, path string) (Written, error) {
	a := art.value()
	d, err := a.Digest()
	if err != nil {
		return Written{}, err
	}
	w := Written{Kind: o.Kind, Path: o.Path, Digest: d, Ref: req.refName(o)}
	switch o.Kind {
	case OCILayout:
		err = oci.WriteLayout(ctx, path, a, w.Ref, referrerArtifacts(refs)...)
	case OCIArchive:
		err = oci.WriteOCIArchive(ctx, path, a, w.Ref, req.Epoch, referrerArtifacts(refs)...)
	case DockerArchive:
		if len(refs) > 0 {
			req.Logger.Warn("a docker-archive has no place for the SBOM and provenance: they are left out of it (write an OCI layout or oci-archive, or push, to keep them)", "path", o.Path)
		}
		w, err = writeDockerArchive(ctx, req, images, o, path)
	default:
		err = fmt.Errorf("unknown output kind %q", o.Kind)
	}
	return w, err
}

// streamFile copies the finished file at path to w.
func streamFile(path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	return nil
}

// OutputError is an output that cannot be written, found before any build
// work by [CheckOutputs].
type OutputError struct {
	Output Output
	Err    error
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("%s output %s: %v", e.Output.Kind, e.Output.Path, e.Err)
}

func (e *OutputError) Unwrap() error { return e.Err }

// CheckOutputs reports the first output that cannot be written, before any
// build work, so a long build never ends in "permission denied": a layout
// path that exists and is not a directory, an archive path that exists and
// is not a regular file (a directory, a device such as /dev/stdout; see
// atomicfile.Target), a parent that cannot be created or written, or a
// layout to be streamed. Build calls it too; callers that want the error
// before other work of their own call it first.
func CheckOutputs(outs []Output) error {
	for _, o := range outs {
		if err := checkOutput(o); err != nil {
			return &OutputError{Output: o, Err: err}
		}
	}
	return nil
}

func checkOutput(o Output) error {
	switch {
	case o.To != nil && o.Kind == OCILayout:
		return errors.New("an OCI layout is a directory and cannot be streamed; stream an oci-archive instead")
	case o.To != nil:
		return nil
	case o.Kind == OCILayout:
		return oci.CheckLayout(o.Path)
	}
	return atomicfile.CheckFile(o.Path)
}
