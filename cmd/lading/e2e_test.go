package main

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// e2eEpoch is the --source-date-epoch of every end-to-end and
// reproducibility build.
const e2eEpoch = 1700000000

// e2eTag names the image in the end-to-end outputs.
const e2eTag = "example.com/e2e/app:v1"

// e2eOutputs are the paths one end-to-end build writes.
type e2eOutputs struct {
	layout, ociArchive, dockerArchive, metadata string
}

func newE2EOutputs(dir string) e2eOutputs {
	return e2eOutputs{
		layout:        filepath.Join(dir, "layout"),
		ociArchive:    filepath.Join(dir, "app.oci.tar"),
		dockerArchive: filepath.Join(dir, "app.docker.tar"),
		metadata:      filepath.Join(dir, "metadata.json"),
	}
}

// e2eBuildArgs are the arguments of `lading build` for the end-to-end tree
// at src, written to every output in o; epochFlag adds --source-date-epoch.
func e2eBuildArgs(src string, o e2eOutputs, epochFlag bool) []string {
	args := []string{"build", "--add", src + ":/app",
		"--entrypoint", "/app/bin/hello", "--cmd", `["from-cmd"]`, "-t", e2eTag,
		"--oci-layout", o.layout + ":v1", "--oci-archive", o.ociArchive + ":v1",
		"--docker-archive", o.dockerArchive, "--metadata-file", o.metadata}
	if epochFlag {
		args = append(args, "--source-date-epoch", strconv.Itoa(e2eEpoch))
	}
	return args
}

// e2eMeta is the part of the --metadata-file JSON the tests read.
type e2eMeta struct {
	Digest    string `json:"digest"`
	Manifests []struct {
		Digest string `json:"digest"`
		Layers []struct {
			Digest string `json:"digest"`
			DiffID string `json:"diffID"`
		} `json:"layers"`
	} `json:"manifests"`
}

func readE2EMeta(t *testing.T, path string) (m e2eMeta, digests, diffIDs []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	noErr(t, err)
	noErr(t, json.Unmarshal(raw, &m))
	if len(m.Manifests) != 1 || m.Manifests[0].Digest != m.Digest || len(m.Manifests[0].Layers) == 0 {
		t.Fatalf("metadata %s: want one manifest, %s, with layers:\n%s", path, m.Digest, raw)
	}
	for _, l := range m.Manifests[0].Layers {
		digests, diffIDs = append(digests, l.Digest), append(diffIDs, l.DiffID)
	}
	return m, digests, diffIDs
}

// helloBinary is testdata/e2e/hello built static (CGO_ENABLED=0) for the
// host, once per test run.
func helloBinary(t *testing.T) string {
	t.Helper()
	p := buildOnce(t, "hello", filepath.Join("..", ".."), []string{"CGO_ENABLED=0"}, "-trimpath", "./testdata/e2e/hello")
	f, err := elf.Open(p)
	noErr(t, err)
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Fatalf("%s is dynamically linked; the scratch image has no loader", p)
		}
	}
	return p
}

// longName is a 200-character UTF-8 file name; its 250 bytes fit Linux's
// 255-byte limit for one path component, and need PAX headers in tar.
func longName() string {
	return strings.Repeat("日本", 5) + strings.Repeat("é", 30) + strings.Repeat("n", 156) + ".txt"
}

// makeE2ETree writes the end-to-end input tree under root: the static
// hello binary, a script, nested dirs, an empty dir, relative symlinks, a
// hardlink pair and a 200-character name. Host modes are deliberately
// unnormalised (0744, 0600, 0640, a 0700 dir) to show lading's masking.
func makeE2ETree(t *testing.T, root string) {
	t.Helper()
	hello, err := os.ReadFile(helloBinary(t))
	noErr(t, err)
	for _, f := range []struct {
		rel, content string
		mode         os.FileMode
	}{
		{"bin/hello", string(hello), 0o755},
		{"bin/run.sh", "#!/bin/sh\necho from script\n", 0o744},
		{"etc/greeting.txt", "greetings from the image\n", 0o600},
		{"share/doc/nested/deep/readme.txt", "nested\n", 0o644},
		{"data/one.txt", "hardlinked\n", 0o640},
		{"names/" + longName(), "long name\n", 0o644},
	} {
		p := filepath.Join(root, f.rel)
		noErr(t, os.MkdirAll(filepath.Dir(p), 0o755))
		noErr(t, os.WriteFile(p, []byte(f.content), 0o600))
		noErr(t, os.Chmod(p, f.mode)) // WriteFile's mode is filtered by the umask
	}
	noErr(t, os.Symlink("greeting.txt", filepath.Join(root, "etc/current")))
	noErr(t, os.Symlink("../../etc/greeting.txt", filepath.Join(root, "share/doc/greeting")))
	noErr(t, os.Link(filepath.Join(root, "data/one.txt"), filepath.Join(root, "data/two.txt")))
	noErr(t, os.Mkdir(filepath.Join(root, "empty"), 0o700))
	noErr(t, os.Chmod(filepath.Join(root, "empty"), 0o700))
}

// TestE2EBuild builds the end-to-end tree with the real binary into an OCI
// layout, an oci-archive and a docker-archive, and has skopeo, umoci, runc
// and podman read them (issue #3, "Done when" point 2).
func TestE2EBuild(t *testing.T) {
	needs(t, "skopeo", "umoci", "runc", "podman")
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	makeE2ETree(t, tree)
	o := newE2EOutputs(filepath.Join(dir, "out"))
	cmd := exec.Command(ladingBinary(t), e2eBuildArgs(tree, o, true)...)
	cmd.Env = childEnv()
	stdout := runCmd(t, cmd)
	meta, digests, diffIDs := readE2EMeta(t, o.metadata)
	// The docker-archive's line names its image ID, the config digest.
	want := fmt.Sprintf("%s@%s\n%s@%s\n%s@sha256:%s\n", o.layout, meta.Digest, o.ociArchive, meta.Digest, o.dockerArchive, layoutConfigID(t, o.layout))
	if stdout != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	t.Run("skopeo", func(t *testing.T) { checkSkopeo(t, o, meta.Digest, digests, diffIDs) })
	t.Run("umoci", func(t *testing.T) {
		bundle := filepath.Join(t.TempDir(), "bundle")
		checkUmociUnpack(t, o.layout+":v1", tree, bundle)
		t.Run("runc", func(t *testing.T) { checkRuncRun(t, bundle) })
	})
	t.Run("podman", func(t *testing.T) { checkPodmanLoad(t, o) })
}

// skopeoInspect is the part of `skopeo inspect` output the test reads.
type skopeoInspect struct {
	Digest       string
	Created      time.Time
	Architecture string
	Layers       []string
}

// checkSkopeo: skopeo reads all three outputs; the OCI ones list the
// metadata's layer digests, the docker-archive lists layers by diffID (how
// containers/image presents docker-archive), and all three carry the same
// config bytes, whose rootfs.diff_ids are the metadata's diffIDs.
func checkSkopeo(t *testing.T, o e2eOutputs, digest string, digests, diffIDs []string) {
	requireTool(t, "skopeo")
	var configs []string
	for _, ref := range []string{"oci:" + o.layout + ":v1", "oci-archive:" + o.ociArchive + ":v1", "docker-archive:" + o.dockerArchive} {
		var got skopeoInspect
		noErr(t, json.Unmarshal([]byte(runTool(t, "skopeo", "inspect", ref)), &got))
		wantLayers := digests
		if strings.HasPrefix(ref, "docker-archive:") {
			wantLayers = diffIDs
		} else if got.Digest != digest {
			t.Errorf("skopeo inspect %s: digest %s, want %s", ref, got.Digest, digest)
		}
		if !slices.Equal(got.Layers, wantLayers) || got.Created.Unix() != e2eEpoch || got.Architecture != runtime.GOARCH {
			t.Errorf("skopeo inspect %s: layers %v created %v arch %s, want %v created %d arch %s",
				ref, got.Layers, got.Created, got.Architecture, wantLayers, e2eEpoch, runtime.GOARCH)
		}
		raw := runTool(t, "skopeo", "inspect", "--config", "--raw", ref)
		var cfg struct {
			RootFS struct {
				DiffIDs []string `json:"diff_ids"`
			} `json:"rootfs"`
		}
		noErr(t, json.Unmarshal([]byte(raw), &cfg))
		if !slices.Equal(cfg.RootFS.DiffIDs, diffIDs) {
			t.Errorf("skopeo inspect --config %s: diff_ids %v, want %v", ref, cfg.RootFS.DiffIDs, diffIDs)
		}
		configs = append(configs, raw)
	}
	if configs[0] != configs[1] || configs[0] != configs[2] {
		t.Errorf("the three outputs carry different configs:\n%s\n%s\n%s", configs[0], configs[1], configs[2])
	}
}

// checkUmociUnpack unpacks ref into bundle and compares the tree under
// /app with the host tree at src, as lading normalises it: contents, modes,
// symlink targets, hardlinks, the empty dir, the long name, and every
// mtime at the build epoch.
func checkUmociUnpack(t *testing.T, ref, src, bundle string) {
	args := []string{"unpack", "--image", ref, bundle}
	if os.Geteuid() != 0 {
		args = append(args, "--rootless")
	}
	runTool(t, "umoci", args...)
	rootfs := filepath.Join(bundle, "rootfs")
	if top, err := os.ReadDir(rootfs); err != nil || len(top) != 1 || top[0].Name() != "app" {
		t.Errorf("rootfs holds %v (%v), want only app", top, err)
	}
	app := filepath.Join(rootfs, "app")
	diffTrees(t, describeTree(t, src, normalisedMode), describeTree(t, app, keptMode))
	checkUnpackedDetails(t, app)
}

// checkUnpackedDetails checks by name what describeTree checks by sweep,
// so a fixture mistake cannot make the comparison vacuous.
func checkUnpackedDetails(t *testing.T, app string) {
	one, err1 := os.Stat(filepath.Join(app, "data/one.txt"))
	two, err2 := os.Stat(filepath.Join(app, "data/two.txt"))
	noErr(t, err1)
	noErr(t, err2)
	s1, s2 := one.Sys().(*syscall.Stat_t), two.Sys().(*syscall.Stat_t)
	if s1.Ino != s2.Ino || s1.Nlink != 2 {
		t.Errorf("data/one.txt and data/two.txt: inodes %d and %d, nlink %d; want one inode, nlink 2", s1.Ino, s2.Ino, s1.Nlink)
	}
	if target, err := os.Readlink(filepath.Join(app, "etc/current")); err != nil || target != "greeting.txt" {
		t.Errorf("etc/current -> %q (%v), want greeting.txt", target, err)
	}
	if ents, err := os.ReadDir(filepath.Join(app, "empty")); err != nil || len(ents) != 0 {
		t.Errorf("empty dir: %v, %v; want an existing empty directory", ents, err)
	}
	if n := utf8.RuneCountInString(longName()); n != 200 {
		t.Fatalf("fixture long name has %d characters, want 200", n)
	}
	if b, err := os.ReadFile(filepath.Join(app, "names", longName())); err != nil || string(b) != "long name\n" {
		t.Errorf("200-character name: %q, %v", b, err)
	}
	checkOwnersAndTimes(t, app)
}

// checkOwnersAndTimes: every unpacked entry has mtime = the epoch and, when
// umoci ran as root, uid and gid 0. Offenders are reported together.
func checkOwnersAndTimes(t *testing.T, app string) {
	var bad []string
	noErr(t, filepath.WalkDir(app, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		if info.ModTime().Unix() != e2eEpoch || (os.Geteuid() == 0 && (st.Uid != 0 || st.Gid != 0)) {
			bad = append(bad, fmt.Sprintf("%s: mtime %d, owner %d:%d", p, info.ModTime().Unix(), st.Uid, st.Gid))
		}
		return nil
	}))
	if len(bad) > 0 {
		t.Errorf("%d entries have an mtime other than the epoch %d or (as root) an owner other than 0:0, e.g.\n%s",
			len(bad), e2eEpoch, strings.Join(bad[:min(len(bad), 5)], "\n"))
	}
}

// checkRuncRun runs the unpacked bundle with runc: first checks that the
// bundle's args come from the image's entrypoint and cmd, then runs hello
// with arguments that read files through the relative symlinks.
func checkRuncRun(t *testing.T, bundle string) {
	requireRoot(t)
	runc := requireTool(t, "runc")
	args := editBundle(t, bundle, []string{"/app/bin/hello", "x y", "@/app/etc/current", "@/app/share/doc/greeting"})
	if want := []any{"/app/bin/hello", "from-cmd"}; !slices.Equal(args, want) {
		t.Errorf("umoci's process.args %v, want %v (entrypoint + cmd)", args, want)
	}
	state := t.TempDir()
	id := fmt.Sprintf("lading-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() { exec.Command(runc, "--root", state, "delete", "--force", id).Run() })
	out := runCmd(t, exec.Command(runc, "--root", state, "run", "--bundle", bundle, id))
	want := "hello from lading\narg: x y\ngreetings from the image\ngreetings from the image\n"
	if out != want {
		t.Errorf("runc run output:\n%q\nwant:\n%q", out, want)
	}
}

// editBundle sets process.terminal false and process.args to args in the
// bundle's config.json, and returns the args umoci had generated.
func editBundle(t *testing.T, bundle string, args []string) []any {
	p := filepath.Join(bundle, "config.json")
	raw, err := os.ReadFile(p)
	noErr(t, err)
	var cfg map[string]any
	noErr(t, json.Unmarshal(raw, &cfg))
	process, ok := cfg["process"].(map[string]any)
	if !ok {
		t.Fatalf("%s has no process object:\n%s", p, raw)
	}
	old, _ := process["args"].([]any)
	process["terminal"], process["args"] = false, args
	raw, err = json.Marshal(cfg)
	noErr(t, err)
	noErr(t, os.WriteFile(p, raw, 0o644))
	return old
}

// podmanGlobals keeps podman's state in dir: private storage (vfs, which
// works inside containers where overlay does not), run and tmp dirs, no
// events, and the runtime and cgroup manager that work on this machine.
func podmanGlobals(dir string) []string {
	return []string{"--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"),
		"--tmpdir", filepath.Join(dir, "tmp"), "--storage-driver", "vfs", "--events-backend", "none",
		"--runtime", "runc", "--cgroup-manager", "cgroupfs"}
}

// checkPodmanLoad: podman loads the docker-archive under the --tag name,
// and pulls the oci-archive by its org.opencontainers.image.ref.name ("v1",
// which podman expands to localhost/v1:latest); both are the one image
// whose ID is the config digest. The oci-archive holds the SBOM and
// provenance beside the image, and podman load -i takes only an archive
// with one entry, so it is read as oci-archive:FILE:REF (README says so).
func checkPodmanLoad(t *testing.T, o e2eOutputs) {
	podman := requireTool(t, "podman")
	loaded := regexp.MustCompile(`(?m)^Loaded image(?:\(s\))?: (.+)$`) // podman 3 says "image(s)"
	state := t.TempDir()
	g := podmanGlobals(state)
	if os.Geteuid() != 0 {
		// Rootless podman stores layers under subordinate IDs this process
		// cannot unlink; remove them from inside podman's user namespace
		// before t.TempDir's cleanup runs.
		t.Cleanup(func() { exec.Command(podman, append(g, "unshare", "rm", "-rf", state)...).Run() })
	}
	configID := layoutConfigID(t, o.layout)
	out := runCmd(t, exec.Command(podman, append(g, "load", "-i", o.dockerArchive)...))
	m := loaded.FindStringSubmatch(out)
	if m == nil || !strings.Contains(m[1], e2eTag) {
		t.Errorf("podman load -i %s printed %q, want a loaded image named like %q", o.dockerArchive, out, e2eTag)
	} else {
		checkPodmanID(t, podman, g, strings.TrimSpace(strings.Split(m[1], ",")[0]), o.dockerArchive, configID)
	}
	runCmd(t, exec.Command(podman, append(g, "pull", "oci-archive:"+o.ociArchive+":v1")...))
	checkPodmanID(t, podman, g, "localhost/v1:latest", o.ociArchive, configID)
}

// checkPodmanID: podman's image name (loaded from file) has ID configID.
func checkPodmanID(t *testing.T, podman string, g []string, name, file, configID string) {
	t.Helper()
	id := strings.TrimSpace(runCmd(t, exec.Command(podman, append(g, "image", "inspect", "--format", "{{.Id}}", name)...)))
	if id != configID {
		t.Errorf("podman image %s (from %s) has ID %s, want the config digest %s", name, file, id, configID)
	}
}

// layoutConfigID is the hex config digest of the one image in the layout,
// read by hand from index.json and the manifest blob.
func layoutConfigID(t *testing.T, layout string) string {
	var index v1.IndexManifest
	var manifest struct {
		Config struct{ Digest string }
	}
	readJSON(t, filepath.Join(layout, "index.json"), &index)
	entries := imageEntries(index.Manifests)
	if len(entries) != 1 {
		t.Fatalf("%s/index.json lists %d image manifests, want 1", layout, len(entries))
	}
	readJSON(t, filepath.Join(layout, "blobs", strings.Replace(entries[0].Digest.String(), ":", "/", 1)), &manifest)
	return strings.TrimPrefix(manifest.Config.Digest, "sha256:")
}
