package builder

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io/fs"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/crypto/x509roots/fallback/bundle"

	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/manifest"
)

// The static base's users: root, nonroot and nobody, as in distroless.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n" +
		"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group = "root:x:0:\n" +
		"nobody:x:65534:\n" +
		"nonroot:x:65532:\n"
	nsswitch  = "hosts: files dns\n"
	osRelease = "PRETTY_NAME=\"lading static\"\nNAME=\"lading static\"\nID=lading-static\n" +
		"HOME_URL=\"https://github.com/lading-dev/lading\"\n"
	caBundlePath = "/etc/ssl/certs/ca-certificates.crt"
)

// staticEntries lists the built-in static base's files: the equivalent of
// distroless static:nonroot, synthesized with no network and nothing read
// from the host. The CA bundle is the Mozilla root set pinned by the
// version of golang.org/x/crypto/x509roots/fallback in go.mod.
func staticEntries() []layer.Entry {
	dir := func(p string, mode, uid int) layer.Entry {
		return layer.Entry{Kind: layer.Dir, Path: p, Mode: modeOf(mode), ModeSet: true, KeepSpecial: mode&0o1000 != 0, UID: uid, GID: uid}
	}
	return []layer.Entry{
		layer.FileData("/etc/passwd", []byte(passwd), 0o644),
		layer.FileData("/etc/group", []byte(group), 0o644),
		layer.FileData("/etc/nsswitch.conf", []byte(nsswitch), 0o644),
		layer.FileData("/etc/os-release", []byte(osRelease), 0o644),
		layer.FileData(caBundlePath, caBundle(), 0o644),
		dir("/home/nonroot", 0o700, 65532),
		dir("/root", 0o700, 0),
		dir("/tmp", 0o1777, 0),
	}
}

// staticConfig is the static base's runtime config.
var staticConfig = manifest.Patch{
	Env: []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SSL_CERT_FILE=" + caBundlePath,
	},
	User:       "65532",
	WorkingDir: "/home/nonroot",
}

// caBundle PEM-encodes the pinned Mozilla roots. Roots that carry extra
// constraints (distrust-after dates) cannot be expressed in a PEM bundle
// and are left out, as Debian's ca-certificates does.
func caBundle() []byte {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint == nil {
			pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
		}
	}
	return b.Bytes()
}

// staticEpoch is the static base layer's time: fixed, so its digest is a
// constant of the lading version, whatever project builds on it.
var staticEpoch = time.Unix(0, 0)

// staticBase writes the static base layer with w's compression and returns
// the base image (platform set later by manifest.Build).
func staticBase(ctx context.Context, memo *layerMemo) (v1.Image, error) {
	entries, err := layer.Plan(staticEntries())
	if err != nil {
		return nil, fmt.Errorf("plan static base: %w", err)
	}
	l, err := memo.write(ctx, entries)
	if err != nil {
		return nil, fmt.Errorf("write static base: %w", err)
	}
	return manifest.Build(manifest.Image{
		Layers: []manifest.Layer{{Layer: l.layer, CreatedBy: "lading static base (distroless static:nonroot equivalent)"}},
		Epoch:  staticEpoch,
		Config: staticConfig,
	})
}

func modeOf(m int) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
