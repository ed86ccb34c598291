package inspect

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/lading-dev/lading/layer"
)

// File is one tar entry of a layer: the fields `ls -l` shows, the layer it
// comes from and, when asked for, the sha256 of its content.
type File struct {
	Path   string    `json:"path"` // absolute and clean
	Type   string    `json:"type"` // file, dir, symlink, hardlink, char, block, fifo
	Mode   int64     `json:"mode"` // permission bits with setuid, setgid and sticky
	UID    int       `json:"uid"`
	GID    int       `json:"gid"`
	Size   int64     `json:"size"`
	Mtime  time.Time `json:"mtime"`
	Target string    `json:"target,omitempty"` // a link's, as stored
	Layer  int       `json:"layer"`            // from 1, bottom first
	Digest string    `json:"digest,omitempty"` // "sha256:…" of a regular file's bytes
}

// typeNames names tar's entry types.
var typeNames = map[byte]string{tar.TypeReg: "file", tar.TypeDir: "dir", tar.TypeSymlink: "symlink",
	tar.TypeLink: "hardlink", tar.TypeChar: "char", tar.TypeBlock: "block", tar.TypeFifo: "fifo"}

// newFile reads h (and, with sum, hashes r) into a File of layer n.
func newFile(h *tar.Header, r io.Reader, n int, sum bool) (File, error) {
	f := File{Path: path.Join("/", h.Name), Type: typeNames[h.Typeflag], Mode: h.Mode & 0o7777,
		UID: h.Uid, GID: h.Gid, Size: h.Size, Mtime: h.ModTime.UTC(), Target: h.Linkname, Layer: n}
	if f.Type == "" {
		f.Type = fmt.Sprintf("type %q", h.Typeflag)
	}
	if f.Type == "hardlink" {
		f.Target = path.Join("/", h.Linkname)
	}
	if sum && f.Type == "file" {
		d := sha256.New()
		if _, err := io.Copy(d, r); err != nil {
			return File{}, fmt.Errorf("read %s: %w", f.Path, err)
		}
		f.Digest = "sha256:" + hex.EncodeToString(d.Sum(nil))
	}
	return f, nil
}

// readLayer lists the entries of l, layer n, as stored (whiteouts
// included), once its bytes are verified; with sum it hashes each
// regular file's content. Only the headers are kept, within
// layer.MaxTreeEntries.
func readLayer(l layer.BaseLayer, n int, sum bool) ([]File, error) {
	var out []File
	err := layer.EachEntry(l, func(h *tar.Header, r io.Reader) error {
		if len(out) >= layer.MaxTreeEntries {
			return fmt.Errorf("it has more than %d entries; lading refuses such a layer", layer.MaxTreeEntries)
		}
		f, err := newFile(h, r, n, sum)
		out = append(out, f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read layer %d (%s): %w", n, l.Digest, err)
	}
	return out, nil
}
