package sign

import (
	"crypto/ecdsa"
	"encoding/base64"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// newSigner returns a Signer with a fresh P-256 key.
func newSigner(t *testing.T) *Signer {
	t.Helper()
	return &Signer{key: newP256(t)}
}

// newRegistry starts ggcr's in-process registry on loopback and returns
// its host:port.
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// push writes img to ref and returns the image as the registry serves it.
func push(t *testing.T, ref string, img v1.Image) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	got, err := remote.Image(r)
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	return got
}

// subjectOf returns the digest of a new random image.
func subjectOf(t *testing.T) (v1.Image, v1.Hash) {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return img, d
}

// layers returns img's layer descriptors.
func layers(t *testing.T, img v1.Image) []v1.Descriptor {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m.Layers
}

func TestSignImageFormat(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	img, err := s.SignImage(d, "reg:5000/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Fast: the full check wants a diff ID only for tar layers, but cosign's
	// config (kept byte for byte) lists one for each payload layer too.
	if err := validate.Image(img, validate.Fast); err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || len(m.Layers) != 1 {
		t.Fatalf("manifest = %s with config %s and %d layers, want an OCI image manifest, OCI config, 1 layer", m.MediaType, m.Config.MediaType, len(m.Layers))
	}
	l := m.Layers[0]
	if l.MediaType != "application/vnd.dev.cosign.simplesigning.v1+json" {
		t.Errorf("layer media type = %s", l.MediaType)
	}
	payload, err := readPayload(img, l)
	if err != nil {
		t.Fatal(err)
	}
	// Byte for byte what sigstore's payload.Cosign.MarshalJSON writes.
	want := `{"critical":{"identity":{"docker-reference":"reg:5000/app"},"image":{"docker-manifest-digest":"` + d.String() + `"},"type":"cosign container image signature"},"optional":null}`
	if string(payload) != want {
		t.Errorf("payload =\n%s\nwant\n%s", payload, want)
	}
	sig, err := base64.StdEncoding.DecodeString(l.Annotations["dev.cosignproject.cosign/signature"])
	if err != nil || !verify(s.PublicKey(), payload, sig) {
		t.Errorf("the signature annotation does not verify the payload (err %v)", err)
	}
	// cosign's config: ggcr's empty image with the layer's diff ID and an
	// empty history entry, no time.
	cfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantCfg := `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["` + l.Digest.String() + `"]},"config":{}}`
	if string(cfg) != wantCfg {
		t.Errorf("config =\n%s\nwant\n%s", cfg, wantCfg)
	}
	if err := VerifySignatures(img, s.PublicKey(), d); err != nil {
		t.Errorf("VerifySignatures: %v", err)
	}
}

func TestSignImageDockerReference(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	img, err := s.SignImage(d, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := readPayload(img, layers(t, img)[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(payload), `"docker-reference":"index.docker.io/library/app"`) {
		t.Errorf("payload %s: want the repository in its full form, as cosign writes it", payload)
	}
	for _, bad := range []string{"reg:5000/app:v1", "Reg/App", ""} {
		if _, err := s.SignImage(d, bad, nil); err == nil || !strings.Contains(err.Error(), "is not a repository") {
			t.Errorf("SignImage(%q): err = %v, want one saying it is not a repository", bad, err)
		}
	}
}

func TestVerifySignaturesFailures(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	_, other := subjectOf(t)
	good, err := s.SignImage(d, "reg:5000/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	desc := layers(t, good)[0]
	payload, err := readPayload(good, desc)
	if err != nil {
		t.Fatal(err)
	}
	tampered := []byte(strings.Replace(string(payload), "reg:5000/app", "reg:5000/evil", 1))
	tamperedImg, err := mutate.Append(emptySignatures(), mutate.Addendum{
		Layer:       static.NewLayer(tampered, simpleSigningMediaType),
		Annotations: desc.Annotations,
	})
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := appendLayers(nil, simpleSigningMediaType, [][]byte{payload}, []map[string]string{nil})
	if err != nil {
		t.Fatal(err)
	}
	forOther, err := s.SignImage(other, "reg:5000/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		img  v1.Image
		pub  *ecdsa.PublicKey
		want string
	}{
		{"tampered payload", tamperedImg, s.PublicKey(), "bad signature"},
		{"another key", good, newSigner(t).PublicKey(), "bad signature"},
		{"another digest", forOther, s.PublicKey(), "the signature is for " + other.String() + " not " + d.String()},
		{"no annotation", unsigned, s.PublicKey(), "no signature"},
		{"no layer", empty.Image, s.PublicKey(), "no signature of " + d.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignatures(tc.img, tc.pub, d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSignImageKeepsExisting(t *testing.T) {
	host := newRegistry(t)
	s, s2 := newSigner(t), newSigner(t)
	_, d := subjectOf(t)
	ref := host + "/app:" + SignatureTag(d)
	if want := "sha256-" + d.Hex + ".sig"; SignatureTag(d) != want {
		t.Fatalf("SignatureTag = %s, want %s", SignatureTag(d), want)
	}

	first, err := s.SignImage(d, host+"/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	existing := push(t, ref, first)
	again, err := s.SignImage(d, host+"/app", existing)
	if err != nil {
		t.Fatal(err)
	}
	if again != existing {
		t.Error("signing again with the same key did not return the existing image unchanged")
	}

	// Another key adds its layer after the first, which stays.
	both, err := s2.SignImage(d, host+"/app", existing)
	if err != nil {
		t.Fatal(err)
	}
	both = push(t, ref, both)
	if err := validate.Image(both, validate.Fast); err != nil {
		t.Fatal(err)
	}
	ls := layers(t, both)
	if len(ls) != 2 || ls[0].Digest != layers(t, first)[0].Digest {
		t.Fatalf("layers = %v, want the existing one first and one more", ls)
	}
	for _, k := range []*Signer{s, s2} {
		if err := VerifySignatures(both, k.PublicKey(), d); err != nil {
			t.Errorf("VerifySignatures: %v", err)
		}
		if img, err := k.SignImage(d, host+"/app", both); err != nil || img != both {
			t.Errorf("signing a third time: err = %v, changed = %v", err, img != both)
		}
	}

	// The same key signing the same digest under another name is a new
	// payload: a layer is added.
	renamed, err := s.SignImage(d, host+"/other", existing)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(layers(t, renamed)); n != 2 {
		t.Errorf("another docker-reference: %d layers, want 2", n)
	}
}

func TestSignImageDeterministic(t *testing.T) {
	s := newSigner(t)
	_, d := subjectOf(t)
	a, err := s.SignImage(d, "reg:5000/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.SignImage(d, "reg:5000/app", nil)
	if err != nil {
		t.Fatal(err)
	}
	ma, _ := a.Manifest()
	mb, _ := b.Manifest()
	if ma.Config.Digest != mb.Config.Digest || ma.Layers[0].Digest != mb.Layers[0].Digest {
		t.Error("two signatures of the same digest differ in config or payload")
	}
}
