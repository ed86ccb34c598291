package builder

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
)

// baseFiles are the base files whose content the image checks read.
var baseFiles = []string{"/etc/passwd", "/etc/group"}

// treeCache holds base file trees by base image digest, so platforms that
// share a base (and the static base) read its headers once per build.
type treeCache struct {
	mu    sync.Mutex
	trees map[v1.Hash]*onceTree
}

type onceTree struct {
	once sync.Once
	tree *layer.Tree
	err  error
}

func newTreeCache() *treeCache { return &treeCache{trees: map[v1.Hash]*onceTree{}} }

// get returns img's file tree (empty for a nil image).
func (c *treeCache) get(img v1.Image) (*layer.Tree, error) {
	if img == nil {
		return layer.NewTree(), nil
	}
	d, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest base image: %w", err)
	}
	c.mu.Lock()
	t, ok := c.trees[d]
	if !ok {
		t = &onceTree{}
		c.trees[d] = t
	}
	c.mu.Unlock()
	t.once.Do(func() {
		layers, err := img.Layers()
		if err != nil {
			t.err = fmt.Errorf("list base layers: %w", err)
			return
		}
		t.tree, t.err = layer.ReadTree(layers, baseFiles...)
	})
	return t.tree, t.err
}

// layerMemo writes each distinct planned entry list once per build: a
// files layer that plans the same on every platform is packed once.
type layerMemo struct {
	w     *layer.Writer
	err   error
	mu    sync.Mutex
	calls map[string]*onceLayer
}

type onceLayer struct {
	once  sync.Once
	layer *layer.Layer
	err   error
}

func newLayerMemo(req Request) *layerMemo {
	w, err := layer.NewWriter(req.WorkDir, layer.WithEpoch(req.Epoch), layer.WithCompression(req.Compression, req.Level))
	return &layerMemo{w: w, err: err, calls: map[string]*onceLayer{}}
}

// write returns the layer for planned, writing it on first use.
func (m *layerMemo) write(ctx context.Context, planned []layer.Entry) (*layer.Layer, error) {
	if m.err != nil {
		return nil, m.err
	}
	key := entriesKey(planned)
	m.mu.Lock()
	c, ok := m.calls[key]
	if !ok {
		c = &onceLayer{}
		m.calls[key] = c
	}
	m.mu.Unlock()
	c.once.Do(func() { c.layer, c.err = m.w.Write(ctx, planned) })
	return c.layer, c.err
}

// entriesKey identifies a planned entry list by everything that reaches
// the layer's bytes.
func entriesKey(entries []layer.Entry) string {
	h := sha256.New()
	for _, e := range entries {
		field := func(s string) {
			binary.Write(h, binary.LittleEndian, int64(len(s)))
			io.WriteString(h, s)
		}
		field(e.Path)
		field(e.Source)
		field(e.Target)
		field(string(e.Data))
		binary.Write(h, binary.LittleEndian, []int64{int64(e.Kind), int64(e.Mode), int64(e.UID), int64(e.GID), e.Size})
		binary.Write(h, binary.LittleEndian, []bool{e.ModeSet, e.KeepSpecial})
	}
	return hex.EncodeToString(h.Sum(nil))
}
