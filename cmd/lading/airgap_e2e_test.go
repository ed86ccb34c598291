package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// airgapProbe runs first inside the network namespace, in the same bash
// process that then execs the build, and records what that namespace
// offers: its id, its interfaces (/proc/net/dev is per namespace, unlike
// /sys/class/net, which shows sysfs's mounter's) and whether a TCP dial
// to a listener outside the namespace connects.
const airgapProbe = `set -e
readlink /proc/self/ns/net > "$PROBE/netns"
cat /proc/net/dev > "$PROBE/netdev"
if (exec 3<>"/dev/tcp/127.0.0.1/$DIAL_PORT") 2>"$PROBE/dial.err"; then echo connected > "$PROBE/dial"; fi
exec "$@"`

// TestAirgapBuild: with its base given as an oci-archive file, a
// two-platform build runs to completion inside `unshare -n`, a network
// namespace with only a downed loopback; the base's layers are reused byte
// for byte and its config inherited (issue #4, "Done when" point 3). The
// lading binary is built before entering the namespace.
func TestAirgapBuild(t *testing.T) {
	needs(t, "unshare")
	dir := t.TempDir()
	base := makeArchiveBase(t, dir, "linux/amd64,linux/arm64")
	putFile(t, filepath.Join(dir, "in", "app.sh"), "#!/bin/sh\necho airgapped\n")
	noErr(t, os.Chmod(filepath.Join(dir, "in", "app.sh"), 0o755))
	out := filepath.Join(dir, "out")
	stdout := runAirgapped(t, dir, "build",
		"--base", "oci-archive:"+base.archive+":v1", "--platform", "linux/amd64,linux/arm64",
		"--add", filepath.Join(dir, "in", "app.sh")+":/usr/local/bin/app", "--entrypoint", "/usr/local/bin/app",
		"--env", "IMAGE_ENV=from-image", "--oci-layout", out+":v1", "--source-date-epoch", strconv.Itoa(e2eEpoch))
	digest, images := readLayout(t, out)
	if want := out + "@" + digest + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	checkOnBase(t, base, images, onBase{platforms: []string{"linux/amd64", "linux/arm64"}, added: 1, env: []string{"IMAGE_ENV=from-image"}})
}

// TestAirgapServiceBuild: the example service's whole build, its Go layer
// compiled for both platforms, its run layer and its checks, with the base
// overridden by --base to an oci-archive file, succeeds inside
// `unshare -n` (issue #4, "Done when" point 3, on the spec). Go needs the
// module cache there, not the network: the service imports only the
// standard library.
func TestAirgapServiceBuild(t *testing.T) {
	needs(t, "unshare", crossCompile)
	dir := t.TempDir()
	base := makeArchiveBase(t, dir, "linux/amd64,linux/arm64")
	out := filepath.Join(dir, "out")
	spec, err := filepath.Abs(filepath.Join("..", "..", serviceSpec))
	noErr(t, err)
	runAirgapped(t, filepath.Dir(spec), "build", "-f", spec, "--base", "oci-archive:"+base.archive+":v1",
		"--platform", "linux/amd64,linux/arm64", "--oci-layout", out+":v1")
	_, images := readLayout(t, out)
	checkOnBase(t, base, images, onBase{platforms: servicePlatforms, added: 3, user: "65532:65532"})
}

// runAirgapped runs the lading binary, built first, with args in dir inside
// a new network namespace (`unshare -n`, as root), checks that the
// namespace had no network, and returns lading's stdout.
func runAirgapped(t *testing.T, dir string, args ...string) string {
	t.Helper()
	requireRoot(t)
	unshare, bash := requireTool(t, "unshare"), requireTool(t, "bash")
	lading := ladingBinary(t)
	port := dialTarget(t)
	probe := t.TempDir()
	cmd := exec.Command(unshare, append([]string{"-n", bash, "-c", airgapProbe, "airgap", lading}, args...)...)
	cmd.Dir, cmd.Env = dir, withoutVar(childEnv("PROBE="+probe, "DIAL_PORT="+port), "VERSION")
	stdout := runCmd(t, cmd)
	checkNoNetwork(t, probe, port)
	return stdout
}

// dialTarget listens on a loopback port outside any namespace, accepting
// (and dropping) connections until the test ends, and shows that bash's
// /dev/tcp reaches it from here, so a failed dial inside the namespace
// means the namespace, not the probe.
func dialTarget(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	runCmd(t, exec.Command(requireTool(t, "bash"), "-c", `exec 3<>"/dev/tcp/127.0.0.1/$0"`, port))
	return port
}

// checkNoNetwork reads what airgapProbe recorded: a network namespace other
// than this process's, whose only interface is lo, where the dial failed.
func checkNoNetwork(t *testing.T, probe, port string) {
	t.Helper()
	inside := strings.TrimSpace(string(readAll(t, filepath.Join(probe, "netns"))))
	outside, err := os.Readlink("/proc/self/ns/net")
	noErr(t, err)
	if inside == "" || inside == outside {
		t.Errorf("build ran in network namespace %q, this test in %q: want a new one", inside, outside)
	}
	var ifaces []string
	for _, line := range strings.Split(string(readAll(t, filepath.Join(probe, "netdev"))), "\n") {
		if name, _, ok := strings.Cut(line, ":"); ok {
			ifaces = append(ifaces, strings.TrimSpace(name))
		}
	}
	if !slices.Equal(ifaces, []string{"lo"}) {
		t.Errorf("interfaces inside the namespace: %v, want only lo", ifaces)
	}
	if _, err := os.Stat(filepath.Join(probe, "dial")); err == nil {
		t.Errorf("a TCP dial to 127.0.0.1:%s (listening outside) connected from inside the namespace", port)
	}
	// With lo down, connect(2) fails at once with ENETUNREACH.
	if msg := readAll(t, filepath.Join(probe, "dial.err")); !strings.Contains(string(msg), "unreachable") {
		t.Errorf("dial from inside the namespace failed with %q, want network unreachable", msg)
	}
}
