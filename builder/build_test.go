package builder

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
	"github.com/lading-dev/lading/registry/oci"
)

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64"}
	ppc   = v1.Platform{OS: "linux", Architecture: "ppc64le"}
)

// usrMergedBase writes a multi-platform base with /bin -> usr/bin, an
// /etc/passwd and an env to an OCI layout, and returns the layout's path.
func usrMergedBase(t *testing.T, platforms ...v1.Platform) string {
	t.Helper()
	dir := t.TempDir()
	w, err := layer.NewWriter(dir)
	noErr(t, err)
	entries, err := layer.Plan([]layer.Entry{
		{Kind: layer.Symlink, Path: "/bin", Target: "usr/bin"},
		{Kind: layer.Dir, Path: "/usr/bin", Mode: 0o750, ModeSet: true},
		layer.FileData("/etc/passwd", []byte("root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"), 0o644),
	})
	noErr(t, err)
	l, err := w.Write(context.Background(), entries)
	noErr(t, err)
	var imgs []v1.Image
	for _, p := range platforms {
		img, err := manifest.Build(manifest.Image{
			Layers: []manifest.Layer{{Layer: l, CreatedBy: "base"}}, Platform: p, Epoch: time.Unix(1, 0),
			Config: manifest.Patch{Env: []string{"PATH=/usr/bin:/bin", "BASE_ENV=kept"}, User: "app"},
		})
		noErr(t, err)
		imgs = append(imgs, img)
	}
	idx, err := manifest.Index(imgs, nil)
	noErr(t, err)
	out := filepath.Join(dir, "base-layout")
	noErr(t, oci.WriteLayout(context.Background(), out, idx, "base"))
	return out
}

// hostTree writes a small tree with an executable at bin/tool.
func hostTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	noErr(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	noErr(t, os.WriteFile(filepath.Join(dir, "bin", "tool"), []byte("#!/bin/sh\necho tool\n"), 0o755))
	return dir
}

func request(t *testing.T, base string, platforms ...v1.Platform) Request {
	t.Helper()
	out := t.TempDir()
	return Request{
		Base:      base,
		Platforms: platforms,
		Layers:    []Layer{{Name: "app", Files: []Files{{Src: hostTree(t), Dest: "/"}}}},
		Config:    manifest.Patch{Entrypoint: []string{"/bin/tool"}, Env: []string{"APP=1"}},
		Epoch:     time.Unix(1700000000, 0),
		Outputs:   []Output{{Kind: OCILayout, Path: filepath.Join(out, "layout")}},
		WorkDir:   t.TempDir(),
	}
}

func TestBuildOnMultiPlatformBase(t *testing.T) {
	base := usrMergedBase(t, amd64, arm64, ppc)
	req := request(t, "oci-layout:"+base+":base")
	req.AllPlatforms = true
	cacheDir := t.TempDir()
	req.Cache = oci.NewCache(filepath.Join(cacheDir, "bases"))
	res, err := Build(context.Background(), req)
	noErr(t, err)
	if trees, _ := os.ReadDir(filepath.Join(cacheDir, "trees")); len(trees) != 3 {
		t.Errorf("tree cache holds %d trees, want one per base platform image", len(trees))
	}
	if got := strings.Join(res.Platforms, ","); got != "linux/amd64,linux/arm64,linux/ppc64le" {
		t.Fatalf("platforms = %s, want every platform of the base", got)
	}
	a, err := oci.OpenLayout(req.Outputs[0].Path, "")
	noErr(t, err)
	idx := a.(v1.ImageIndex)
	noErr(t, validate.Index(idx))
	baseA, err := oci.OpenLayout(base, "base")
	noErr(t, err)
	baseImg, err := pickPlatform("base", baseA.(v1.ImageIndex), arm64)
	noErr(t, err)
	baseLayers, _ := baseImg.Layers()
	baseDigest, _ := baseLayers[0].Digest()
	img, err := pickPlatform("out", idx, arm64)
	noErr(t, err)
	layers, _ := img.Layers()
	if d, _ := layers[0].Digest(); d != baseDigest || len(layers) != 2 {
		t.Errorf("layer 0 = %s of %d, want the base layer %s reused byte for byte", d, len(layers), baseDigest)
	}
	cf, _ := img.ConfigFile()
	if !slices.Contains(cf.Config.Env, "BASE_ENV=kept") || !slices.Contains(cf.Config.Env, "APP=1") || cf.Config.User != "app" {
		t.Errorf("config = %+v, want base env and user kept, APP added", cf.Config)
	}
	m, _ := img.Manifest()
	baseImgDigest, _ := baseImg.Digest()
	if _, named := m.Annotations[AnnotationBaseName]; named || m.Annotations[AnnotationBaseDigest] != baseImgDigest.String() {
		t.Errorf("annotations = %v, want base.digest %s (the arm64 base image) and no base.name for a bare local tag", m.Annotations, baseImgDigest)
	}
	// /bin/tool went to /usr/bin/tool: /bin stays the base's symlink.
	tree := readTree(t, img, 1)
	if got := strings.Join(tree.Paths(), ","); got != "/usr/bin/tool" {
		t.Errorf("lading's layer holds %s, want only /usr/bin/tool", got)
	}
}

func TestBuildErrorsWriteNothing(t *testing.T) {
	base := usrMergedBase(t, amd64, arm64)
	for _, tc := range []struct {
		name   string
		mutate func(*Request)
		want   []string
	}{
		{"platform missing from base", func(r *Request) { r.Platforms = []v1.Platform{ppc} },
			[]string{"linux/ppc64le", "linux/amd64, linux/arm64"}},
		{"entrypoint missing", func(r *Request) { r.Config.Entrypoint = []string{"/usr/local/bin/nope"} },
			[]string{"linux/amd64", "/usr/local/bin/nope", "entrypoint"}},
		{"entrypoint not executable", func(r *Request) { r.Config.Entrypoint = []string{"/etc/passwd"} },
			[]string{"linux/amd64", "/etc/passwd", "not executable"}},
		{"user unknown", func(r *Request) { r.Config.User = "nobody-here" },
			[]string{"linux/amd64", "nobody-here", "/etc/passwd"}},
		{"failing check", func(r *Request) { r.Checks = []Check{failingCheck{}} }, []string{"check failed", "exit status 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := request(t, "oci-layout:"+base+":base", amd64)
			tc.mutate(&req)
			_, err := Build(context.Background(), req)
			if err == nil {
				t.Fatal("Build succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := os.Stat(req.Outputs[0].Path); err == nil {
				t.Error("a failed build wrote its output")
			}
		})
	}
}

type failingCheck struct{}

func (failingCheck) Run(context.Context) error { return &exitError{} }

type exitError struct{}

func (*exitError) Error() string { return "go vet: exit status 3" }

func TestStaticBase(t *testing.T) {
	req := request(t, BaseStatic, amd64)
	req.Config.User = "nonroot"
	res, err := Build(context.Background(), req)
	noErr(t, err)
	a, err := oci.OpenLayout(req.Outputs[0].Path, "")
	noErr(t, err)
	img := a.(v1.Image)
	noErr(t, validate.Image(img))
	tree := readTree(t, img, 0, "/etc/passwd")
	for _, p := range []string{"/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/os-release", caBundlePath, "/home/nonroot", "/tmp", "/bin/tool"} {
		if _, ok := tree.Node(p); !ok {
			t.Errorf("static image lacks %s", p)
		}
	}
	if n, _ := tree.Node("/tmp"); n.Mode != 0o1777 {
		t.Errorf("/tmp mode = %o, want 1777", n.Mode)
	}
	if n, _ := tree.Node(caBundlePath); n.Kind != layer.File {
		t.Errorf("CA bundle missing")
	}
	if res.Base == nil || res.Base.Name != BaseStatic {
		t.Errorf("result base = %+v", res.Base)
	}
	m, _ := img.Manifest()
	if m.Annotations[AnnotationBaseName] != BaseStatic || m.Annotations[AnnotationBaseDigest] == "" {
		t.Errorf("annotations = %v, want base.name static and the static base's digest", m.Annotations)
	}
	cf, _ := img.ConfigFile()
	if cf.Config.User != "nonroot" || !slices.Contains(cf.Config.Env, "SSL_CERT_FILE="+caBundlePath) {
		t.Errorf("config = %+v", cf.Config)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// readTree reads img's file tree from its layer from on, verified.
func readTree(t *testing.T, img v1.Image, from int, keep ...string) *layer.Tree {
	t.Helper()
	layers, err := baseLayers(img)
	noErr(t, err)
	tree, err := layer.ReadTree(layers[from:], keep...)
	noErr(t, err)
	return tree
}
