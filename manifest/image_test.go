package manifest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/opencontainers/image-spec/schema"
)

var epoch = time.Unix(1700000000, 0)

func testImage(t *testing.T, platform string) v1.Image {
	t.Helper()
	l, err := random.Layer(512, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Build(Image{
		Layers:   []Layer{{Layer: l, CreatedBy: "lading build --add /app"}},
		Platform: p,
		Epoch:    epoch,
		Config: Patch{
			Entrypoint: []string{"/app"}, Cmd: []string{"--port", "8080"},
			Env: []string{"PORT=8080"}, WorkingDir: "/srv", User: "65532:65532",
			Labels: map[string]string{"team": "web"}, ExposedPorts: []string{"8080/tcp"},
			Volumes: []string{"/data"}, StopSignal: "SIGTERM",
		},
		Annotations: map[string]string{"org.opencontainers.image.title": "app"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// validateSchema checks raw JSON against image-spec's schema for v.
func validateSchema(t *testing.T, v schema.Validator, raw []byte) {
	t.Helper()
	if err := v.Validate(bytes.NewReader(raw)); err != nil {
		t.Errorf("%s does not validate: %v\n%s", v, err, raw)
	}
}

func TestImageValidates(t *testing.T) {
	img := testImage(t, "linux/arm64/v8")
	if err := validate.Image(img); err != nil {
		t.Fatal(err)
	}
	raw, _ := img.RawManifest()
	validateSchema(t, schema.ValidatorMediaTypeManifest, raw)
	cfg, _ := img.RawConfigFile()
	validateSchema(t, schema.ValidatorMediaTypeImageConfig, cfg)

	m, _ := img.Manifest()
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("media types %s / %s, want OCI", m.MediaType, m.Config.MediaType)
	}
	if got := m.Annotations[AnnotationCreated]; got != "2023-11-14T22:13:20Z" {
		t.Errorf("created annotation = %q", got)
	}
	cf, _ := img.ConfigFile()
	if !cf.Created.Equal(epoch) || len(cf.History) != 1 || !cf.History[0].Created.Equal(epoch) {
		t.Errorf("created %v, history %+v: want every time = epoch", cf.Created, cf.History)
	}
	if p := cf.Platform(); p.String() != "linux/arm64/v8" {
		t.Errorf("platform = %s", p)
	}
	if cf.Config.User != "65532:65532" || cf.Config.StopSignal != "SIGTERM" || cf.Config.WorkingDir != "/srv" {
		t.Errorf("config = %+v", cf.Config)
	}
}

func TestIndexValidatesAndSorts(t *testing.T) {
	idx, err := Index([]v1.Image{testImage(t, "linux/arm64"), testImage(t, "linux/amd64")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatal(err)
	}
	raw, _ := idx.RawManifest()
	validateSchema(t, schema.ValidatorMediaTypeImageIndex, raw)
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 || im.Manifests[0].Platform.Architecture != "amd64" {
		t.Fatalf("index manifests = %+v, want amd64 then arm64", im.Manifests)
	}
	if _, err := Index([]v1.Image{testImage(t, "linux/amd64"), testImage(t, "linux/amd64")}, nil); err == nil {
		t.Error("Index accepted the same platform twice")
	}
}

func TestPatchApply(t *testing.T) {
	base := v1.Config{Entrypoint: []string{"/old"}, Cmd: []string{"old-arg"}, Env: []string{"PATH=/bin", "A=1"}}
	got := Patch{Entrypoint: []string{"/new"}, Env: []string{"A=2", "B=3"}}.Apply(base)
	if len(got.Cmd) != 0 || got.Entrypoint[0] != "/new" {
		t.Errorf("entrypoint %v cmd %v: a new entrypoint drops the base cmd", got.Entrypoint, got.Cmd)
	}
	if want := "PATH=/bin A=2 B=3"; join(got.Env) != want {
		t.Errorf("env = %v, want %s", got.Env, want)
	}
	if base.Env[1] != "A=1" {
		t.Error("Apply modified its input")
	}
}

func TestParsePlatform(t *testing.T) {
	for _, bad := range []string{"", "linux", "linux/", "/amd64", "linux/arm/v7/x"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) succeeded", bad)
		}
	}
}

func join(s []string) string {
	var b bytes.Buffer
	for i, v := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v)
	}
	return b.String()
}

func TestPatchThen(t *testing.T) {
	spec := Patch{Entrypoint: []string{"/a"}, Cmd: []string{"x"}, Env: []string{"A=1", "B=1"}, User: "1", Labels: map[string]string{"k": "spec", "s": "1"}}
	cli := Patch{Entrypoint: []string{"/b"}, Env: []string{"A=2"}, Labels: map[string]string{"k": "cli"}}
	got := spec.Then(cli).Apply(v1.Config{})
	if got.Entrypoint[0] != "/b" || got.Cmd != nil || got.User != "1" {
		t.Errorf("entrypoint %v cmd %v user %q: want the CLI entrypoint, no cmd, the spec user", got.Entrypoint, got.Cmd, got.User)
	}
	if join(got.Env) != "A=2 B=1" || got.Labels["k"] != "cli" || got.Labels["s"] != "1" {
		t.Errorf("env %v labels %v: want CLI values over the spec's", got.Env, got.Labels)
	}
	if spec.Labels["k"] != "spec" {
		t.Error("Then modified its receiver")
	}
}

func TestDockerBaseKeepsDockerMediaTypes(t *testing.T) {
	base, err := random.Image(256, 1) // ggcr's random images are Docker schema 2
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := random.Layer(256, types.OCILayer)
	p, _ := ParsePlatform("linux/amd64")
	img, err := Build(Image{Base: base, Layers: []Layer{{Layer: gz}}, Platform: p, Epoch: epoch})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := img.Manifest()
	if m.MediaType != types.DockerManifestSchema2 || m.Layers[1].MediaType != types.DockerLayer {
		t.Errorf("manifest %s with layer %s, want Docker types throughout", m.MediaType, m.Layers[1].MediaType)
	}
	if err := validate.Image(img); err != nil {
		t.Fatal(err)
	}
	idx, err := Index([]v1.Image{img}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mt, _ := idx.MediaType(); mt != types.DockerManifestList {
		t.Errorf("index media type %s, want a Docker manifest list", mt)
	}
	zst, _ := random.Layer(256, types.OCILayerZStd)
	if _, err := Build(Image{Base: base, Layers: []Layer{{Layer: zst}}, Platform: p, Epoch: epoch}); err == nil {
		t.Error("a zstd layer on a Docker-format base was accepted")
	}
}

func TestMergeEnv(t *testing.T) {
	got := MergeEnv([]string{"PATH=/bin", "A=1", "B=2"}, []string{"A=3", "C=4"}, []string{"B=5"})
	if want := []string{"PATH=/bin", "A=3", "B=5", "C=4"}; !slices.Equal(got, want) {
		t.Errorf("MergeEnv = %q, want %q", got, want)
	}
}
