package cacherepo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/oci"
)

// Client is what a Repo needs of registry.Client: the same credentials,
// TLS settings and retries as the build's other registry traffic.
type Client interface {
	Pull(ctx context.Context, ref string) (oci.Artifact, error)
	Push(ctx context.Context, a oci.Artifact, refs []string) (*registry.PushResult, error)
}

// Repo is one cache repository. It is safe for concurrent use. Once a
// request to it fails for any reason but "no such tag" or a bad entry, it
// is down: one warning, and no further lookups or publishes in this Repo's
// life, which is meant to be one build.
type Repo struct {
	client Client
	repo   name.Repository
	logger *slog.Logger
	down   atomic.Bool
	warn   sync.Once
}

// New returns the cache repository ref (a repository, no tag or digest),
// reached through client; logger receives its warnings (nil discards them).
func New(client Client, ref string, logger *slog.Logger) (*Repo, error) {
	repo, err := name.NewRepository(ref)
	if err != nil {
		return nil, fmt.Errorf("parse cache repository %q (want a repository such as registry.example/team/app-cache, no tag): %w", ref, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Repo{client: client, repo: repo, logger: logger}, nil
}

// Tag is the reference of key's entry: REPO:layer-<key>.
func (r *Repo) Tag(key string) string { return r.repo.String() + ":layer-" + key }

// Get looks key up and, on a hit, streams its blob through w.Import into
// w's directory, verified (see the package doc). A miss, a bad entry or an
// unreachable repository all answer false; the last two with a warning.
func (r *Repo) Get(ctx context.Context, key string, w *layer.Writer) (*layer.Layer, bool) {
	if r.down.Load() || !validKey(key) {
		return nil, false
	}
	img, err := r.lookup(ctx, key)
	if err != nil {
		r.fail(ctx, err)
		return nil, false
	}
	if img == nil {
		return nil, false
	}
	l, err := r.fetch(ctx, img, key, w)
	if err != nil && ctx.Err() == nil {
		r.logger.Warn("ignoring a bad entry of the cache repository; the layer is packed here and published again",
			"ref", r.Tag(key), "err", err)
		return nil, false
	}
	return l, err == nil
}

// lookup pulls key's entry manifest; nil, nil when there is none.
func (r *Repo) lookup(ctx context.Context, key string) (v1.Image, error) {
	a, err := r.client.Pull(ctx, r.Tag(key))
	var te *transport.Error
	if errors.As(err, &te) && te.StatusCode == 404 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	img, ok := a.(v1.Image)
	if !ok {
		return nil, fmt.Errorf("%s is an index, not a lading cache entry", r.Tag(key))
	}
	return img, nil
}

// fetch checks img's manifest and imports its blob.
func (r *Repo) fetch(ctx context.Context, img v1.Image, key string, w *layer.Writer) (*layer.Layer, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	want, err := parseEntry(raw, key)
	if err != nil {
		return nil, err
	}
	cl, err := img.LayerByDigest(want.Digest)
	if err != nil {
		return nil, err
	}
	rc, err := cl.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return w.Import(ctx, rc, want)
}

// fail marks the repository down, with one warning (none when the build
// is being cancelled anyway).
func (r *Repo) fail(ctx context.Context, err error) {
	r.down.Store(true)
	if ctx.Err() != nil {
		return
	}
	r.warn.Do(func() {
		r.logger.Warn("the cache repository failed; building without it (nothing is looked up or published there in this build)",
			"repository", r.repo.String(), "err", err)
	})
}

// validKey reports whether key is the hex sha256 layer.Writer.Key makes,
// which keeps the tag within the 128-character limit.
func validKey(key string) bool {
	return len(key) == 64 && strings.Trim(key, "0123456789abcdef") == ""
}
