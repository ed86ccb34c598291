package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/lading-dev/lading/registry/oci"
)

// Pull resolves ref (a tag or a digest) to the image or index it names,
// with the client's credentials, TLS settings and retries, as pushes use.
//
// Sharp edge: blobs are fetched later, when read, with ctx; ggcr's remote
// images and layers keep the context they were fetched with, because
// v1.Layer's methods take none. So ctx must live as long as the artifact
// is used: a whole build, not one call. For the same reason the push
// timeout does not apply here. Layers of a pulled image are ggcr
// MountableLayers, so a push to another repository of the same registry
// mounts them.
func (c *Client) Pull(ctx context.Context, ref string) (oci.Artifact, error) {
	r, err := c.parseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	puller, err := remote.NewPuller(c.remoteOptions(manifestCap{c.base})...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	desc, err := puller.Get(ctx, r) // each request retried in place by the transport
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, explain(err, r.Context(), "pull"))
	}
	switch {
	case desc.MediaType.IsIndex():
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("pull %s: %w", ref, err)
		}
		return pulledIndex{idx}, nil
	case desc.MediaType.IsImage():
		img, err := desc.Image()
		if err != nil {
			return nil, fmt.Errorf("pull %s: %w", ref, err)
		}
		return &pulledImage{Image: img}, nil
	}
	return nil, fmt.Errorf("pull %s: it is a %s, not an image or an index", ref, desc.MediaType)
}

// pulledIndex is a pulled index whose images are pulledImages.
type pulledIndex struct{ innerIndex }

// innerIndex names the embedded index, whose ImageIndex method pulledIndex
// overrides.
type innerIndex = v1.ImageIndex

var _ v1.ImageIndex = pulledIndex{}

// Image implements v1.ImageIndex.
func (i pulledIndex) Image(h v1.Hash) (v1.Image, error) {
	img, err := i.innerIndex.Image(h)
	if err != nil {
		return nil, err
	}
	return &pulledImage{Image: img}, nil
}

// ImageIndex implements v1.ImageIndex.
func (i pulledIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	idx, err := i.innerIndex.ImageIndex(h)
	if err != nil {
		return nil, err
	}
	return pulledIndex{idx}, nil
}

// pulledImage is a pulled image whose config is capped before it is read
// and checked against its digest once read. ggcr reads a config whole,
// as big as the manifest says: 8 GiB of zeros went into memory (issue 13).
// Its other methods are ggcr's; layers stream.
type pulledImage struct {
	v1.Image
	once   sync.Once
	config []byte
	err    error
}

// RawConfigFile implements v1.Image.
func (i *pulledImage) RawConfigFile() ([]byte, error) {
	i.once.Do(func() { i.config, i.err = i.readConfig() })
	return i.config, i.err
}

func (i *pulledImage) readConfig() ([]byte, error) {
	m, err := i.Image.Manifest()
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if err := oci.CheckDeclared(m.Config, oci.MaxConfigSize, "config"); err != nil {
		return nil, err
	}
	raw, err := i.Image.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", m.Config.Digest, err)
	}
	if err := oci.CheckBlob(raw, m.Config); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return raw, nil
}

// ConfigFile implements v1.Image, from the checked config.
func (i *pulledImage) ConfigFile() (*v1.ConfigFile, error) {
	raw, err := i.RawConfigFile()
	if err != nil {
		return nil, err
	}
	return v1.ParseConfigFile(bytes.NewReader(raw))
}

// manifestCap refuses a manifest response bigger than oci.MaxIndexSize:
// ggcr's own cap is 100 MiB, held in memory per manifest of a graph.
type manifestCap struct{ next http.RoundTripper }

var _ http.RoundTripper = manifestCap{}

// RoundTrip implements http.RoundTripper.
func (t manifestCap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || !strings.Contains(req.URL.Path, "/manifests/") {
		return resp, err
	}
	if resp.ContentLength > oci.MaxIndexSize {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: the manifest is %d bytes, more than the %d lading reads", redactURL(req), resp.ContentLength, oci.MaxIndexSize)
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: oci.MaxIndexSize + 1}
	return resp, nil
}

// cappedBody fails once a manifest body reaches left bytes, one more
// than oci.MaxIndexSize.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	if b.left -= int64(n); b.left == 0 {
		return n, fmt.Errorf("the manifest is more than the %d bytes lading reads", oci.MaxIndexSize)
	}
	return n, err
}
