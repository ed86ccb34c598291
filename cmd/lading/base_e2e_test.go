package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	"github.com/lading-dev/lading/registry/oci"
)

// baseEnv is the variable every test base sets, so a test can see that an
// image built on it inherits the base's config.
const baseEnv = "BASE_ENV=from-base"

// layoutImage is one image of an OCI layout, as the tests compare them.
type layoutImage struct {
	platform    string // os/arch[/variant], from the config
	digest      string
	layers      []string
	config      *v1.ConfigFile
	annotations map[string]string
	image       v1.Image
}

// testBase is a base image the tests made with lading: its index digest and
// its images, read from the layout written beside the archive.
type testBase struct {
	archive, layout, digest string
	images                  []layoutImage
}

// makeArchiveBase builds a multi-platform base for platforms (a comma
// list) into dir: static plus a marker layer, with baseEnv set, written
// both as an oci-archive (ref v1) and an OCI layout (ref v1), which the
// one build gives the same index digest.
func makeArchiveBase(t *testing.T, dir, platforms string) testBase {
	t.Helper()
	b := testBase{archive: filepath.Join(dir, "base.oci.tar"), layout: filepath.Join(dir, "base-layout")}
	marker := filepath.Join(dir, "base-in", "marker")
	putFile(t, marker, "made by makeArchiveBase\n")
	cmd := exec.Command(ladingBinary(t), "build", "--base", "static", "--platform", platforms,
		"--add", marker+":/etc/base-marker", "--env", baseEnv, "--source-date-epoch", strconv.Itoa(e2eEpoch),
		"--oci-archive", b.archive+":v1", "--oci-layout", b.layout+":v1")
	cmd.Env = childEnv()
	digests := resultDigests(t, runCmd(t, cmd))
	b.digest, b.images = readLayout(t, b.layout)
	if len(digests) != 2 || digests[0] != b.digest || digests[1] != b.digest {
		t.Fatalf("base build printed %v, want the layout's digest %s twice", digests, b.digest)
	}
	return b
}

// imageEntries is a layout index's entries without the referrers (SBOMs,
// provenances) lading writes beside the image.
func imageEntries(ms []v1.Descriptor) []v1.Descriptor {
	var out []v1.Descriptor
	for _, m := range ms {
		if _, ok := m.Annotations[oci.AnnotationReferrerSubject]; !ok {
			out = append(out, m)
		}
	}
	return out
}

// readLayout validates every image of the OCI layout at dir (blobs against
// their digests, configs against their diffIDs) and returns the digest of
// its one top-level image entry (the SBOM and provenance entries beside it
// aside) and its images: that entry, or the images of the index it is, in
// index order.
func readLayout(t *testing.T, dir string) (string, []layoutImage) {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	noErr(t, err)
	im, err := top.IndexManifest()
	noErr(t, err)
	entries := imageEntries(im.Manifests)
	if len(entries) != 1 {
		t.Fatalf("%s/index.json lists %d image entries, want 1", dir, len(entries))
	}
	d := entries[0]
	if !d.MediaType.IsIndex() {
		img, err := top.Image(d.Digest)
		noErr(t, err)
		return d.Digest.String(), []layoutImage{describeImage(t, img)}
	}
	idx, err := top.ImageIndex(d.Digest)
	noErr(t, err)
	noErr(t, validate.Index(idx))
	m, err := idx.IndexManifest()
	noErr(t, err)
	var out []layoutImage
	for _, e := range m.Manifests {
		img, err := idx.Image(e.Digest)
		noErr(t, err)
		li := describeImage(t, img)
		if e.Platform == nil || e.Platform.String() != li.platform {
			t.Errorf("%s: index entry %s has platform %v, its config says %s", dir, e.Digest, e.Platform, li.platform)
		}
		out = append(out, li)
	}
	return d.Digest.String(), out
}

// elfMachine is the ELF machine of the executable b.
func elfMachine(t *testing.T, b []byte) elf.Machine {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(b))
	noErr(t, err)
	return f.Machine
}

// imageFile is the content of the regular file at path (absolute) in
// img's flattened file system; a missing path ends the test.
func imageFile(t *testing.T, img v1.Image, path string) []byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("image has no file %s", path)
		}
		noErr(t, err)
		if "/"+strings.TrimPrefix(h.Name, "./") == path && h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			noErr(t, err)
			return b
		}
	}
}

// describeImage validates img and reads what layoutImage holds.
func describeImage(t *testing.T, img v1.Image) layoutImage {
	t.Helper()
	noErr(t, validate.Image(img))
	digest, err := img.Digest()
	noErr(t, err)
	m, err := img.Manifest()
	noErr(t, err)
	cfg, err := img.ConfigFile()
	noErr(t, err)
	li := layoutImage{digest: digest.String(), config: cfg, annotations: m.Annotations, image: img}
	li.platform = cfg.Platform().String()
	for _, l := range m.Layers {
		li.layers = append(li.layers, l.Digest.String())
	}
	return li
}

// onBase is what checkOnBase expects of images built on a test base.
type onBase struct {
	platforms []string // one image each, in this order
	added     int      // layers lading adds on top of the base's
	env       []string // variables set besides the base's
	user      string   // the user set, if not the base's
}

// checkOnBase: images are one per platform in want.platforms, in that
// order, each built on base's image for its platform: the base's layers
// first, byte for byte, then want.added of lading's; the base's env
// (baseEnv) kept, want.env added; the base's user kept unless want.user
// replaces it; the base digest annotated.
func checkOnBase(t *testing.T, base testBase, images []layoutImage, want onBase) {
	t.Helper()
	var got []string
	for _, img := range images {
		got = append(got, img.platform)
	}
	if !slices.Equal(got, want.platforms) {
		t.Fatalf("images for %v, want %v", got, want.platforms)
	}
	for _, img := range images {
		i := slices.IndexFunc(base.images, func(b layoutImage) bool { return b.platform == img.platform })
		if i < 0 {
			t.Errorf("%s: the base has no image for this platform", img.platform)
			continue
		}
		checkOnBaseImage(t, base.digest, base.images[i], img, want)
	}
}

func checkOnBaseImage(t *testing.T, baseIndex string, base, img layoutImage, want onBase) {
	t.Helper()
	p, n := img.platform, len(base.layers)
	if len(img.layers) != n+want.added || !slices.Equal(img.layers[:min(n, len(img.layers))], base.layers) {
		t.Errorf("%s: layers %v, want the base's %v then %d more", p, img.layers, base.layers, want.added)
	}
	for _, kv := range append([]string{baseEnv}, want.env...) {
		if !slices.Contains(img.config.Config.Env, kv) {
			t.Errorf("%s: env %v lacks %s", p, img.config.Config.Env, kv)
		}
	}
	user := cmp.Or(want.user, base.config.Config.User)
	if img.config.Config.User != user || base.config.Config.User == "" {
		t.Errorf("%s: user %q, want %q (the base's is %q)", p, img.config.Config.User, user, base.config.Config.User)
	}
	if got := img.annotations["org.opencontainers.image.base.digest"]; got != baseIndex && got != base.digest {
		t.Errorf("%s: base.digest annotation %q, want the base index %s or its image %s", p, got, baseIndex, base.digest)
	}
	if strings.Contains(img.annotations["org.opencontainers.image.base.name"], "/tmp/") {
		t.Errorf("%s: base.name annotation %q records a host path", p, img.annotations["org.opencontainers.image.base.name"])
	}
}

// TestUsrMergeBaseE2E: on a base where /bin is a symlink to usr/bin (as in
// Debian and distroless), a binary added at /bin/hello is written at
// /usr/bin/hello and the link stays: umoci unpacks /bin as the symlink, and
// runc runs /bin/hello through it, as the base's user 65532.
func TestUsrMergeBaseE2E(t *testing.T) {
	needs(t, "umoci", "runc")
	requireRoot(t)
	dir := t.TempDir()
	tree, baseLayout, out := filepath.Join(dir, "base-tree"), filepath.Join(dir, "base"), filepath.Join(dir, "out")
	noErr(t, os.MkdirAll(filepath.Join(tree, "usr", "bin"), 0o755))
	noErr(t, os.Symlink("usr/bin", filepath.Join(tree, "bin")))
	epoch := strconv.Itoa(e2eEpoch)
	ladingOK(t, "build", "--base", "static", "--add", tree+":/", "--oci-layout", baseLayout+":v1", "--source-date-epoch", epoch)
	ladingOK(t, "build", "--base", "oci-layout:"+baseLayout+":v1", "--add", helloBinary(t)+":/bin/hello",
		"--entrypoint", "/bin/hello", "--oci-layout", out+":v1", "--source-date-epoch", epoch)
	bundle := filepath.Join(dir, "bundle")
	runTool(t, "umoci", "unpack", "--image", out+":v1", bundle)
	rootfs := filepath.Join(bundle, "rootfs")
	if target, err := os.Readlink(filepath.Join(rootfs, "bin")); err != nil || target != "usr/bin" {
		t.Errorf("/bin -> %q (%v), want the base's symlink to usr/bin", target, err)
	}
	if info, err := os.Lstat(filepath.Join(rootfs, "usr", "bin", "hello")); err != nil || info.Mode() != 0o755 {
		t.Errorf("/usr/bin/hello: %v (%v), want a regular file of mode 0755", info, err)
	}
	got := runBundle(t, bundle, []string{"/bin/hello", "@/proc/self/status"})
	if !strings.HasPrefix(got, "hello from lading\n") || !regexp.MustCompile(`(?m)^Uid:\s+65532\s`).MatchString(got) {
		t.Errorf("runc run /bin/hello printed:\n%s\nwant the greeting and Uid 65532", got)
	}
}

// pushBase copies base's layout, every platform, to ref on reg (through
// its CA and with its credentials) with --preserve-digests, and returns the
// index digest the registry holds: the layout's own, which pushBase checks
// along with the image manifests it lists. (skopeo 1.9 must rewrite an
// index whose image entries carry artifactType; lading writes none.)
func pushBase(t *testing.T, reg distribution, base testBase, ref string) string {
	t.Helper()
	digestFile := filepath.Join(t.TempDir(), "digest")
	creds := regUser + ":" + regPassword
	runTool(t, "skopeo", "copy", "--all", "--preserve-digests", "--dest-cert-dir", reg.certDir, "--dest-creds", creds,
		"--digestfile", digestFile, "oci:"+base.layout+":v1", "docker://"+ref)
	var index v1.IndexManifest
	raw := runTool(t, "skopeo", "inspect", "--raw", "--cert-dir", reg.certDir, "--creds", creds, "docker://"+ref)
	noErr(t, json.Unmarshal([]byte(raw), &index))
	var got, want []string
	for _, m := range index.Manifests {
		got = append(got, m.Digest.String())
	}
	for _, img := range base.images {
		want = append(want, img.digest)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the registry's index lists images %v, want the base's %v", got, want)
	}
	pushed := strings.TrimSpace(string(readAll(t, digestFile)))
	var layout v1.IndexManifest
	noErr(t, json.Unmarshal(readAll(t, filepath.Join(base.layout, "index.json")), &layout))
	if entries := imageEntries(layout.Manifests); len(entries) != 1 || entries[0].Digest.String() != pushed {
		t.Fatalf("the registry holds index %s, want the layout's %v unchanged", pushed, layout.Manifests)
	}
	return pushed
}

// TestRegistryBaseE2E: a three-platform base pushed by skopeo to Debian's
// docker-registry on loopback (TLS from the test's CA, basic auth, as
// startDistribution sets it up); lading builds on it by reference, with
// the credentials in a docker config (issue #4, "Done when" point 4): for
// every platform named with --platform and, from a spec, with `platforms:
// all`, each image starts with the base's layers byte for byte and keeps
// its env; one platform picks that image out of the index; a platform the
// base lacks is an error listing the ones it has. Each build gets its own
// --cache-dir, so each pulls from the registry.
func TestRegistryBaseE2E(t *testing.T) {
	needs(t, "docker-registry", "htpasswd", "skopeo")
	platforms := []string{"linux/amd64", "linux/arm64", "linux/ppc64le"}
	reg := startDistribution(t)
	dir := t.TempDir()
	base := makeArchiveBase(t, dir, strings.Join(platforms, ","))
	ref := reg.host + "/lading-test/base:v1"
	base.digest = pushBase(t, reg, base, ref)
	env := registryEnv(writeDockerConfig(t, filepath.Join(dir, "home", "docker"), reg.host))
	spec, err := filepath.Abs(filepath.Join("..", "..", "testdata", "e2e", "all-platforms", "lading.yaml"))
	noErr(t, err)
	app := []string{"--add", filepath.Join(filepath.Dir(spec), "app.sh") + ":/usr/local/bin/app",
		"--entrypoint", "/usr/local/bin/app", "--env", "IMAGE_ENV=from-image"}
	build := func(t *testing.T, env []string, args ...string) []layoutImage {
		out := filepath.Join(t.TempDir(), "out")
		regLadingRun(t, env, "", append([]string{"build", "--cache-dir", t.TempDir(), "--registry-ca", reg.ca,
			"--oci-layout", out + ":v1"}, args...)...)
		_, images := readLayout(t, out)
		return images
	}
	want := onBase{platforms: platforms, added: 1, env: []string{"IMAGE_ENV=from-image"}}
	t.Run("--platform", func(t *testing.T) {
		images := build(t, env, append([]string{"--base", ref, "--platform", strings.Join(platforms, ",")}, app...)...)
		checkOnBase(t, base, images, want)
	})
	t.Run("platforms: all", func(t *testing.T) {
		checkOnBase(t, base, build(t, append(env, "BASE="+ref), "-f", spec), want)
	})
	t.Run("one platform", func(t *testing.T) {
		images := build(t, env, append([]string{"--base", ref, "--platform", "linux/arm64"}, app...)...)
		checkOnBase(t, base, images, onBase{platforms: []string{"linux/arm64"}, added: 1, env: want.env})
	})
	t.Run("platform the base lacks", func(t *testing.T) {
		dir := t.TempDir()
		args := append([]string{"build", "--cache-dir", filepath.Join(t.TempDir(), "cache"), "--registry-ca", reg.ca,
			"--base", ref, "--platform", "linux/s390x"}, append(app, checkOutputArgs(dir)...)...)
		code, stdout, stderr := ladingRun(t, "", env, "", args...)
		if code != 1 || stdout != "" {
			t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
		}
		checkStderr(t, stderr, append([]string{ref, "linux/s390x"}, platforms...), []string{regPassword})
		checkNothingWritten(t, dir)
	})
}

// writeDockerConfig writes dir/config.json, as `docker login` would, with
// basic-auth credentials for host, and returns its path.
func writeDockerConfig(t *testing.T, dir, host string) string {
	t.Helper()
	cfg := filepath.Join(dir, "config.json")
	raw, err := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"auth": b64(regUser + ":" + regPassword)}}})
	noErr(t, err)
	noErr(t, os.MkdirAll(dir, 0o700))
	noErr(t, os.WriteFile(cfg, raw, 0o600))
	return cfg
}
