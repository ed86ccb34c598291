package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// reproRun is what one build of a reproducibility check chooses; the input
// tree's directory, the working directory, TMPDIR and the wall clock differ
// between any two builds anyway. None of it may change a byte of the image.
type reproRun struct {
	umask      string    // the lading process's umask
	gomaxprocs string    // GOMAXPROCS, and so the default --jobs
	mtime      time.Time // every input file's and dir's mtime
	relative   bool      // --add and outputs relative to the working dir, not absolute
}

// reproResult is what one build produced. The layout is compared by entry type and content, not permissions: the
// contract is about image bytes, and the layout's blobs/ directories are
// created with os.MkdirAll, so their modes follow the umask.
type reproResult struct {
	digests                   []string          // the digests of the stdout result lines, in order
	ociArchive, dockerArchive []byte            // the archive files
	layout                    map[string]string // the OCI layout's entries: type and content
}

// TestReproducibleBuild: the same inputs built twice, from two copies of
// the tree in different directories with different mtimes, umask 022 vs
// 077, GOMAXPROCS 1 vs 2, different TMPDIR and working directory, and a
// wall clock more than a second apart, give the same digests and
// byte-identical archives (issue #3, "Done when" point 1). The epoch comes
// from --source-date-epoch, then from SOURCE_DATE_EPOCH; both give the
// same image. Needs no external tool, so it never skips.
func TestReproducibleBuild(t *testing.T) {
	a := reproRun{umask: "022", gomaxprocs: "1", mtime: time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)}
	b := reproRun{umask: "077", gomaxprocs: "2", mtime: time.Now().Add(-time.Hour), relative: true}
	byFlag := checkReproducible(t, a, b, true)
	byEnv := checkReproducible(t, b, a, false)
	if !slices.Equal(byFlag, byEnv) {
		t.Errorf("--source-date-epoch %d gave %v, SOURCE_DATE_EPOCH=%d gave %v", e2eEpoch, byFlag, e2eEpoch, byEnv)
	}
}

// checkReproducible builds as first, waits past a second boundary, builds
// as second, compares the results, and returns the first one's digests.
func checkReproducible(t *testing.T, first, second reproRun, epochFlag bool) []string {
	t.Helper()
	r1 := reproBuild(t, first, epochFlag)
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	r2 := reproBuild(t, second, epochFlag)
	if len(r1.digests) != 3 || !slices.Equal(r1.digests, r2.digests) {
		t.Errorf("manifest digests differ or are not three:\n  %v\n  %v", r1.digests, r2.digests)
	}
	if !bytes.Equal(r1.ociArchive, r2.ociArchive) {
		t.Errorf("oci-archive files differ (%d and %d bytes)", len(r1.ociArchive), len(r2.ociArchive))
	}
	if !bytes.Equal(r1.dockerArchive, r2.dockerArchive) {
		t.Errorf("docker-archive files differ (%d and %d bytes)", len(r1.dockerArchive), len(r2.dockerArchive))
	}
	diffTrees(t, r1.layout, r2.layout)
	return r1.digests
}

// reproBuild builds the end-to-end tree, written fresh into its own
// directory, with the real binary run as r says.
func reproBuild(t *testing.T, r reproRun, epochFlag bool) reproResult {
	t.Helper()
	dir := t.TempDir()
	makeE2ETree(t, filepath.Join(dir, "tree"))
	setMtimes(t, filepath.Join(dir, "tree"), r.mtime)
	tmp := filepath.Join(dir, "tmp")
	noErr(t, os.Mkdir(tmp, 0o755))
	base := dir
	if r.relative {
		base = ""
	}
	o := newE2EOutputs(filepath.Join(base, "out"))
	// Each build has its own cache: the two must not share work.
	env := childEnv("GOMAXPROCS="+r.gomaxprocs, "TMPDIR="+tmp, "LADING_CACHE_DIR="+filepath.Join(filepath.Dir(tmp), "cache"))
	if !epochFlag {
		env = append(env, "SOURCE_DATE_EPOCH="+strconv.Itoa(e2eEpoch))
	}
	cmd := exec.Command("sh", append([]string{"-c", `umask "$0" && exec "$@"`, r.umask, ladingBinary(t)},
		e2eBuildArgs(filepath.Join(base, "tree"), o, epochFlag)...)...)
	cmd.Dir, cmd.Env = dir, env
	stdout := runCmd(t, cmd)
	if left, err := os.ReadDir(tmp); err != nil || len(left) != 0 {
		t.Errorf("build left %v in its TMPDIR (%v)", left, err)
	}
	return reproResult{
		digests:       resultDigests(t, stdout),
		ociArchive:    readAll(t, filepath.Join(dir, "out", "app.oci.tar")),
		dockerArchive: readAll(t, filepath.Join(dir, "out", "app.docker.tar")),
		layout:        describeTree(t, filepath.Join(dir, "out", "layout"), fs.FileMode.Type),
	}
}

// setMtimes sets the mtime (and atime) of every file and dir under root to
// mt. Symlinks keep their own: os.Chtimes would follow them.
func setMtimes(t *testing.T, root string, mt time.Time) {
	t.Helper()
	noErr(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, mt, mt)
	}))
}

// resultDigests returns the digest of every DEST@sha256:… line of stdout.
func resultDigests(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		i := strings.LastIndex(line, "@sha256:")
		if i < 0 {
			t.Fatalf("stdout line %q is not DEST@sha256:…; stdout:\n%s", line, stdout)
		}
		out = append(out, line[i+1:])
	}
	return out
}

func readAll(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	noErr(t, err)
	return b
}
