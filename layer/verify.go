package layer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BaseLayer is a base image's layer as its manifest and config describe
// it: what [ReadTree] checks the bytes against before they are believed.
// A layer read from a layout, an archive or a registry is untrusted
// (issue 13: a layout that served another layer poisoned the tree cache).
type BaseLayer struct {
	Digest    v1.Hash         // the manifest's digest of the compressed bytes
	Size      int64           // the manifest's size of the compressed bytes
	MediaType types.MediaType // says how the bytes are compressed
	DiffID    v1.Hash         // the config's rootfs.diff_ids entry
	// Open returns the compressed bytes; ReadTree closes them.
	Open func() (io.ReadCloser, error)
}

// Magic numbers that name a stream's compression (RFC 1952, RFC 8878).
var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// sniffCompression names the compression of a stream from its first bytes:
// anything that is neither gzip nor zstd is read as a plain tar.
func sniffCompression(head []byte) Compression {
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		return Gzip
	case bytes.HasPrefix(head, zstdMagic):
		return Zstd
	}
	return None
}

// MediaTypeCompression names the compression a layer media type declares;
// ok is false for a media type that is not a tar layer's.
func MediaTypeCompression(mt types.MediaType) (c Compression, ok bool) {
	s := string(mt)
	switch {
	case strings.HasSuffix(s, "+gzip"), strings.HasSuffix(s, ".tar.gzip"):
		return Gzip, true
	case strings.HasSuffix(s, "+zstd"):
		return Zstd, true
	case strings.HasSuffix(s, ".tar"):
		return None, true
	}
	return "", false
}

// verifiedStream is a base layer's bytes on their way through the reader:
// counted and hashed compressed, then decompressed and hashed again, so
// Close can say whether they are the bytes the manifest and config named.
type verifiedStream struct {
	l          BaseLayer
	src        io.ReadCloser
	compressed *Digester // every compressed byte read
	head       *bufio.Reader
	dec        io.ReadCloser
	raw        *Digester // every uncompressed byte read
}

// openVerified opens l for reading its tar stream. The compressed bytes
// are read at most one past l.Size, so a blob that never ends cannot hold
// a build, and their first bytes must match l.MediaType's compression.
func openVerified(l BaseLayer) (*verifiedStream, error) {
	want, ok := MediaTypeCompression(l.MediaType)
	if !ok {
		return nil, fmt.Errorf("media type %q is not a tar layer's", l.MediaType)
	}
	src, err := l.Open()
	if err != nil {
		return nil, err
	}
	s := &verifiedStream{l: l, src: src, compressed: NewDigester(), raw: NewDigester()}
	s.head = bufio.NewReader(io.TeeReader(io.LimitReader(src, l.Size+1), s.compressed))
	head, _ := s.head.Peek(len(zstdMagic))
	if got := sniffCompression(head); got != want {
		src.Close()
		return nil, fmt.Errorf("media type %s says %s, but the bytes are %s; the base is broken or forged: rebuild or re-export it", l.MediaType, want, got)
	}
	if s.dec, err = want.newDecompressor(s.head); err != nil {
		src.Close()
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return s, nil
}

// Read reads the uncompressed tar stream.
func (s *verifiedStream) Read(p []byte) (int, error) {
	n, err := s.dec.Read(p)
	s.raw.Write(p[:n])
	return n, err
}

// finish reads both streams to their end and checks size, digest and
// diffID; only then may what was read from them be used. readErr is how
// reading the tar ended: bytes that are not the manifest's are reported
// as such, rather than as the broken tar or compression they may cause.
func (s *verifiedStream) finish(readErr error) error {
	if readErr == nil {
		_, readErr = io.Copy(io.Discard, s)
	}
	if err := s.dec.Close(); readErr == nil && err != nil {
		readErr = err
	}
	if _, err := io.Copy(io.Discard, s.head); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if d, n := s.compressed.Digest(), s.compressed.Size(); d != s.l.Digest || n != s.l.Size {
		return fmt.Errorf("its bytes have digest %s and %d bytes, but the manifest says %s and %d bytes; "+
			"the base is broken or forged: fetch or export it again", d, n, s.l.Digest, s.l.Size)
	}
	if readErr != nil {
		return readErr
	}
	if d := s.raw.Digest(); d != s.l.DiffID {
		return fmt.Errorf("its uncompressed bytes hash to %s, but the config's rootfs.diff_ids says %s; "+
			"the base is broken or forged: fetch or export it again", d, s.l.DiffID)
	}
	return nil
}

// Close closes the compressed source.
func (s *verifiedStream) Close() error { return s.src.Close() }
