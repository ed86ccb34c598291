package oci

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// selfIndex is an index whose only entry is itself: what a hostile layout or
// registry can serve, since a reader cannot know a digest before reading.
type selfIndex struct{ inner v1.ImageIndex }

var _ v1.ImageIndex = selfIndex{}

var selfDigest = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}

func (selfIndex) Digest() (v1.Hash, error)            { return selfDigest, nil }
func (selfIndex) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
func (selfIndex) RawManifest() ([]byte, error)        { return []byte("{}"), nil }
func (s selfIndex) ImageIndex(v1.Hash) (v1.ImageIndex, error) {
	return s, nil
}
func (selfIndex) Image(v1.Hash) (v1.Image, error) { return nil, nil }
func (selfIndex) Size() (int64, error)            { return 2, nil }
func (selfIndex) IndexManifest() (*v1.IndexManifest, error) {
	return &v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex,
		Manifests: []v1.Descriptor{{MediaType: types.OCIImageIndex, Digest: selfDigest, Size: 2}}}, nil
}

func TestWalkRefusesCycle(t *testing.T) {
	err := Walk(selfIndex{}, func(*Node) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "names itself") {
		t.Fatalf("Walk of a self-naming index = %v, want a cycle error", err)
	}
}

// TestWalkOrder checks children before parents, index order, each digest
// once, platforms from the index, and parents linked.
func TestWalkOrder(t *testing.T) {
	a, err := random.Image(64, 1)
	noErr(t, err)
	b, err := random.Image(64, 2)
	noErr(t, err)
	plat := func(arch string) *v1.Platform { return &v1.Platform{OS: "linux", Architecture: arch} }
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: a, Descriptor: v1.Descriptor{Platform: plat("amd64")}},
		mutate.IndexAddendum{Add: b, Descriptor: v1.Descriptor{Platform: plat("arm64")}},
		mutate.IndexAddendum{Add: a, Descriptor: v1.Descriptor{Platform: plat("amd64")}})
	var got []string
	noErr(t, Walk(idx, func(n *Node) error {
		got = append(got, n.Platform)
		if n.Parent == nil && n.Config != nil {
			t.Errorf("image %s has no parent", n.Digest)
		}
		return nil
	}))
	if strings.Join(got, ",") != "linux/amd64,linux/arm64," {
		t.Errorf("Walk visited %q, want the two images in index order, once each, then the index", got)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
