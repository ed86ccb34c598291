package builder

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/registry/oci"
)

// baseFiles are the base files whose content the image checks read.
var baseFiles = []string{"/etc/passwd", "/etc/group"}

// treeCache holds base file trees by base image digest, so platforms that
// share a base (and the static base) read its headers once per build.
type treeCache struct {
	trees onceMap[v1.Hash, *layer.Tree]
	// dir keeps trees across builds (nil Cache: in memory only).
	dir    string
	logger *slog.Logger
}

func newTreeCache(c *oci.Cache, logger *slog.Logger) *treeCache {
	if c == nil {
		return &treeCache{logger: logger}
	}
	return &treeCache{dir: filepath.Join(filepath.Dir(c.Dir()), "trees"), logger: logger}
}

// get returns img's file tree (empty for a nil image).
func (c *treeCache) get(img v1.Image) (*layer.Tree, error) {
	if img == nil {
		return layer.NewTree(), nil
	}
	d, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("digest base image: %w", err)
	}
	return c.trees.do(d, func() (*layer.Tree, error) {
		if t := c.load(d); t != nil {
			return t, nil
		}
		layers, err := img.Layers()
		if err != nil {
			return nil, fmt.Errorf("list base layers: %w", err)
		}
		t, err := layer.ReadTree(layers, baseFiles...)
		if err == nil {
			c.store(d, t)
		}
		return t, err
	})
}

// load reads a cached tree; any failure is a miss.
func (c *treeCache) load(d v1.Hash) *layer.Tree {
	if c.dir == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(c.dir, d.Hex))
	if err != nil {
		return nil
	}
	defer f.Close()
	t, err := layer.DecodeTree(f)
	if err != nil {
		return nil
	}
	return t
}

// store caches a tree; failing to is worth a warning, not a failed build.
func (c *treeCache) store(d v1.Hash, t *layer.Tree) {
	if c.dir == "" {
		return
	}
	err := os.MkdirAll(c.dir, 0o755)
	if err == nil {
		err = atomicfile.Write(filepath.Join(c.dir, d.Hex), 0o644, t.Encode)
	}
	if err != nil {
		c.logger.Warn("could not cache the base file tree", "dir", c.dir, "err", err)
	}
}

// layerMemo writes each distinct planned entry list once per build: a
// files layer that plans the same on every platform is packed once.
type layerMemo struct {
	w      *layer.Writer
	err    error
	layers onceMap[string, *layer.Layer]
}

func newLayerMemo(req Request) *layerMemo {
	w, err := layer.NewWriter(req.WorkDir, layer.WithEpoch(req.Epoch), layer.WithCompression(req.Compression, req.Level))
	return &layerMemo{w: w, err: err}
}

// write returns the layer for planned, writing it on first use.
func (m *layerMemo) write(ctx context.Context, planned []layer.Entry) (*layer.Layer, error) {
	if m.err != nil {
		return nil, m.err
	}
	return m.layers.do(entriesKey(planned), func() (*layer.Layer, error) {
		return m.w.Write(ctx, planned)
	})
}

// onceMap computes each key's value once; concurrent callers of the same
// key wait for the first and share its result (and error).
type onceMap[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*onceValue[V]
}

type onceValue[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (o *onceMap[K, V]) do(k K, fn func() (V, error)) (V, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[K]*onceValue[V]{}
	}
	c, ok := o.m[k]
	if !ok {
		c = &onceValue[V]{}
		o.m[k] = c
	}
	o.mu.Unlock()
	c.once.Do(func() { c.v, c.err = fn() })
	return c.v, c.err
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
