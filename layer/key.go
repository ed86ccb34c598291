package layer

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Key returns the layer cache key of a planned entry list as w would write
// it: the sha256 of a canonical, versioned description of everything that
// decides the layer's bytes. That is LayerFormatVersion, the compression and its
// level, and for each entry its normalised tar header exactly as the
// writer emits it (path, type, mode, uid, gid, size, link target, the
// epoch as mtime) and, for a file, the sha256 of its content. Host file
// digests come from sums, which reads only files whose stamp it does not
// know. Two entry lists with the same key produce the same layer bytes.
func (w *Writer) Key(entries []Entry, sums *Sums) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "lading layer v%d\x00%s\x00%d\x00", LayerFormatVersion, w.o.compression, w.level())
	var hdr bytes.Buffer
	for _, e := range entries {
		hdr.Reset()
		// A fresh tar.Writer per entry: only the header block(s) are wanted.
		if err := tar.NewWriter(&hdr).WriteHeader(Header(e, w.o.epoch)); err != nil {
			return "", fmt.Errorf("key %s: %w", e.origin(), err)
		}
		fmt.Fprintf(h, "%d\x00", hdr.Len())
		h.Write(hdr.Bytes())
		if e.Kind != File {
			continue
		}
		d, err := ContentDigest(e, sums)
		if err != nil {
			return "", err
		}
		io.WriteString(h, d.Hex)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ContentDigest returns the sha256 of a file entry's bytes: its Data, or
// its host file's, from sums when the file's stat is known there (nil
// sums reads the file). The SBOM lists files by it (issue 12).
func ContentDigest(e Entry, sums *Sums) (v1.Hash, error) {
	if e.Source == "" {
		d, _, err := HashCopy(io.Discard, bytes.NewReader(e.Data))
		return d, err
	}
	if sums == nil {
		sums = NewSums()
	}
	return sums.fileDigest(e)
}

// level is the compression level w writes with, defaults resolved.
func (w *Writer) level() int {
	switch {
	case w.o.level != 0:
		return w.o.level
	case w.o.compression == Zstd:
		return DefaultZstdLevel
	case w.o.compression == Gzip:
		return DefaultGzipLevel
	}
	return 0
}
