package layer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Import streams a compressed blob that someone else made (a shared cache
// in a registry) from r into w's directory as a file-backed layer, and
// returns it only when what arrived is want: in one pass the blob is
// hashed and counted, and decompressed with want.Compression to hash and
// count the tar stream, so digest, size, diffID and uncompressed size are
// all measured, none taken on trust. At most want.Size+1 bytes are read
// from r; want.Compression must be w's. On any mismatch or error no file is left behind.
//
// The caller still vouches that want is the layer it asked for: Import
// proves only that the bytes are the blob want names and that its diffID
// is true (a wrong diffID would make a wrong image config).
func (w *Writer) Import(ctx context.Context, r io.Reader, want Info) (*Layer, error) {
	if want.Compression != w.o.compression {
		return nil, fmt.Errorf("import layer %s: it is %s-compressed, this writer writes %s", want.Digest, want.Compression, w.o.compression)
	}
	return w.layerFile(func(f *os.File) (*Layer, error) {
		got, err := measure(ctx, f, io.LimitReader(r, want.Size+1), want.Compression)
		if err == nil {
			err = got.matches(want)
		}
		if err != nil {
			return nil, fmt.Errorf("import layer %s: %w", want.Digest, err)
		}
		return got, nil
	})
}

// measure copies r into f while decompressing it with c, then syncs and
// closes f. The blob is hashed whole: bytes after the end of the
// compressed stream count too.
func measure(ctx context.Context, f *os.File, r io.Reader, c Compression) (*Layer, error) {
	buf := bufio.NewWriterSize(f, 1<<20)
	compressed, raw := NewDigester(), NewDigester()
	tee := io.TeeReader(ctxReader{ctx, r}, io.MultiWriter(buf, compressed))
	dec, err := c.newDecompressor(tee)
	if err == nil {
		_, err = io.Copy(raw, dec)
		err = errors.Join(err, dec.Close())
	}
	if err != nil {
		err = fmt.Errorf("decompress the blob as %s: %w", c, err)
	}
	if err == nil {
		_, err = io.Copy(io.Discard, tee) // trailing bytes, hashed
	}
	if err = errors.Join(err, buf.Flush(), syncClose(f)); err != nil {
		return nil, err
	}
	return &Layer{digest: compressed.Digest(), diffID: raw.Digest(), size: compressed.Size(),
		uncompressedSize: raw.Size(), compression: c}, nil
}

// matches reports the first way l differs from want.
func (l *Layer) matches(want Info) error {
	switch got := l.Info(); {
	case got.Size > want.Size:
		return fmt.Errorf("the blob has more than %d bytes", want.Size)
	case got.Size < want.Size:
		return fmt.Errorf("the blob has %d bytes, want %d", got.Size, want.Size)
	case got.Digest != want.Digest:
		return fmt.Errorf("the blob's bytes hash to %s", got.Digest)
	case got.DiffID != want.DiffID:
		return fmt.Errorf("its uncompressed bytes hash to %s, not the diffID %s", got.DiffID, want.DiffID)
	case got.UncompressedSize != want.UncompressedSize:
		return fmt.Errorf("it has %d uncompressed bytes, not %d", got.UncompressedSize, want.UncompressedSize)
	}
	return nil
}
