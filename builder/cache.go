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
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/layer/cache"
	"github.com/lading-dev/lading/registry/oci"
)

// baseFiles are the base files whose content the image checks read.
var baseFiles = []string{"/etc/passwd", "/etc/group"}

// treeCache holds base file trees by base image manifest digest, so
// platforms that share a base (and the static base) read its headers once
// per build. A tree is stored only after layer.ReadTree verified every
// layer against the manifest and config, and the manifest digest is the
// sha256 of the manifest's bytes, which name those layers and that config:
// so a key names verified content only (issue 13).
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
		layers, err := baseLayers(img)
		if err != nil {
			return nil, err
		}
		t, err := layer.ReadTree(layers, baseFiles...)
		if err == nil {
			c.store(d, t)
		}
		return t, err
	})
}

// baseLayers describes img's layers as its manifest and config name them,
// for layer.ReadTree to check the bytes against.
func baseLayers(img v1.Image) ([]layer.BaseLayer, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read base manifest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read base config: %w", err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("read base image %s: its config lists %d rootfs.diff_ids for %d layers; "+
			"the base is broken: rebuild or re-export it", m.Config.Digest, len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	out := make([]layer.BaseLayer, len(m.Layers))
	for i, d := range m.Layers {
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("open base layer %s: %w", d.Digest, err)
		}
		out[i] = layer.BaseLayer{Digest: d.Digest, Size: d.Size, MediaType: d.MediaType,
			DiffID: cf.RootFS.DiffIDs[i], Open: l.Compressed}
	}
	return out, nil
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

// SharedCache is a layer cache tier shared by many machines
// (registry/cacherepo.Repo). It never fails a build: anything wrong with it
// is its own warning and a miss.
type SharedCache interface {
	// Get returns the layer stored under key, imported through w into
	// w's directory and verified, or false.
	Get(ctx context.Context, key string, w *layer.Writer) (*layer.Layer, bool)
	// Publish stores each layer under its key.
	Publish(ctx context.Context, layers map[string]*layer.Layer)
}

// Where a cached layer came from (LayerInfo.CacheSource).
const (
	SourceLocal    = "local"
	SourceRegistry = "registry"
)

// layerMemo writes each distinct planned entry list once per build (a
// files layer that plans the same on every platform is packed once) and,
// with a layer cache, not at all when the cache holds it: the cache key
// (layer.Writer.Key) names the layer's bytes before they are made. With a
// shared cache too, it asks that before packing and remembers what it
// packed, for publish.
type layerMemo struct {
	w      *layer.Writer
	cache  *cache.Cache // nil: no layer cache
	shared SharedCache  // nil: no shared tier
	logger *slog.Logger
	err    error
	layers onceMap[string, memoLayer]
	// written counts the layers tarred and compressed by this build.
	written atomic.Int64
	mu      sync.Mutex
	packed  map[string]*layer.Layer // by key, for publish
}

// memoLayer is a layer and which cache supplied it ("" for none).
type memoLayer struct {
	layer  *layer.Layer
	source string
}

func newLayerMemo(req Request, epoch time.Time) *layerMemo {
	dir := req.WorkDir
	if req.LayerCache != nil {
		dir = req.LayerCache.BlobDir()
	}
	w, err := layer.NewWriter(dir, layer.WithEpoch(epoch), layer.WithCompression(req.Compression, req.Level),
		layer.WithCompressionJobs(req.CompressionJobs))
	return &layerMemo{w: w, cache: req.LayerCache, shared: req.SharedCache, logger: req.Logger, err: err,
		packed: map[string]*layer.Layer{}}
}

// write returns the layer for planned, from the cache or written on first
// use, and whether it came from the cache.
func (m *layerMemo) write(ctx context.Context, planned []layer.Entry) (memoLayer, error) {
	if m.err != nil {
		return memoLayer{}, m.err
	}
	if m.cache == nil {
		return m.layers.do(entriesKey(planned), func() (memoLayer, error) { return m.pack(ctx, planned) })
	}
	key, err := m.w.Key(planned, m.cache.Sums())
	if err != nil {
		return memoLayer{}, err
	}
	return m.layers.do(key, func() (memoLayer, error) {
		if l, ok := m.cache.Get(key); ok {
			return memoLayer{layer: l, source: SourceLocal}, nil
		}
		if m.shared != nil {
			if l, ok := m.shared.Get(ctx, key, m.w); ok {
				m.keep(key, l)
				return memoLayer{layer: l, source: SourceRegistry}, nil
			}
		}
		ml, err := m.pack(ctx, planned)
		if err == nil {
			m.keep(key, ml.layer)
			m.mu.Lock()
			m.packed[key] = ml.layer
			m.mu.Unlock()
		}
		return ml, err
	})
}

// keep puts a layer in the local cache; failing to is a warning.
func (m *layerMemo) keep(key string, l *layer.Layer) {
	if err := m.cache.Put(key, l); err != nil {
		m.logger.Warn("could not cache a layer", "err", err)
	}
}

// publish gives the shared cache every layer this build packed.
func (m *layerMemo) publish(ctx context.Context) {
	if m.shared == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.shared.Publish(ctx, m.packed)
}

// pack tars and compresses planned.
func (m *layerMemo) pack(ctx context.Context, planned []layer.Entry) (memoLayer, error) {
	l, err := m.w.Write(ctx, planned)
	if err == nil {
		m.written.Add(1)
	}
	return memoLayer{layer: l}, err
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

// entriesKey identifies a planned entry list within one build, when there
// is no layer cache: host files by path (they do not change during a build,
// and the writer checks that), so nothing is read to compute it.
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
