package layer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Recompress writes src's uncompressed tar stream, compressed with w's
// compression and level, as a new file-backed layer in w's directory: the
// same diffID (checked) under another digest. A docker-archive uses it to
// turn zstd layers into gzip ones, which every docker load can read
// (issue 9). The bytes are as deterministic as Write's: a function of the
// tar stream and the pinned compressor settings only.
func (w *Writer) Recompress(ctx context.Context, src v1.Layer) (l *Layer, err error) {
	want, err := src.DiffID()
	if err != nil {
		return nil, fmt.Errorf("read layer diffID: %w", err)
	}
	r, err := src.Uncompressed()
	if err != nil {
		return nil, fmt.Errorf("decompress layer %s: %w", want, err)
	}
	defer r.Close()
	return w.layerFile(func(f *os.File) (*Layer, error) {
		l, err := w.recompress(ctx, f, r)
		if err != nil {
			return nil, fmt.Errorf("recompress layer %s: %w", want, err)
		}
		if l.diffID != want {
			return nil, fmt.Errorf("recompress layer %s: its uncompressed bytes hash to %s", want, l.diffID)
		}
		return l, nil
	})
}

// recompress streams r through the diffID hash and w's compressor into f,
// then syncs and closes f.
func (w *Writer) recompress(ctx context.Context, f *os.File, r io.Reader) (*Layer, error) {
	buf := bufio.NewWriterSize(f, 1<<20)
	compressed, raw := NewDigester(), NewDigester()
	comp, err := w.o.compression.newCompressor(io.MultiWriter(buf, compressed), w.o.level, w.o.jobs)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.MultiWriter(comp, raw), ctxReader{ctx, r})
	if err = errors.Join(err, comp.Close(), buf.Flush(), syncClose(f)); err != nil {
		return nil, err
	}
	return &Layer{digest: compressed.Digest(), diffID: raw.Digest(), size: compressed.Size(),
		uncompressedSize: raw.Size(), compression: w.o.compression}, nil
}
