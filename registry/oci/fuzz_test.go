package oci

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Placeholders a fuzzed document may hold for the digest and size of the
// fuzzed document it names, so the fuzzer reaches past the digest check
// into the manifest and the config (it cannot guess a sha256).
const (
	fuzzManifestDigest = "@MANIFEST_DIGEST@"
	fuzzManifestSize   = "1234567890"
	fuzzConfigDigest   = "@CONFIG_DIGEST@"
	fuzzConfigSize     = "9876543210"
)

// fill replaces the placeholders for blob in doc with blob's digest and
// size.
func fill(doc []byte, digestPH, sizePH string, blob []byte) []byte {
	sum := sha256.Sum256(blob)
	s := strings.ReplaceAll(string(doc), digestPH, "sha256:"+hex.EncodeToString(sum[:]))
	return []byte(strings.ReplaceAll(s, sizePH, fmt.Sprint(len(blob))))
}

// writeBlob puts b into dir's blob store under its digest.
func writeBlob(t *testing.T, dir string, b []byte) {
	sum := sha256.Sum256(b)
	p := filepath.Join(dir, "blobs", "sha256", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzOpenLayout reads a layout of fuzzed index.json, manifest and config
// (the index may name the manifest, and the manifest the config, through
// the placeholders) the way a build and a push do: OpenLayout, Walk, the
// config file and every layer's descriptor. No panic, no hang, errors
// are errors (issue 13, done-when 2).
func FuzzOpenLayout(f *testing.F) {
	for _, s := range layoutSeeds() {
		f.Add(s[0], s[1], s[2], string(s[3]))
	}
	f.Fuzz(func(t *testing.T, index, manifest, config []byte, sel string) {
		dir := t.TempDir()
		manifest = fill(manifest, fuzzConfigDigest, fuzzConfigSize, config)
		index = fill(index, fuzzManifestDigest, fuzzManifestSize, manifest)
		writeBlob(t, dir, config)
		writeBlob(t, dir, manifest)
		if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = CheckLayout(dir)
		a, err := OpenLayout(dir, sel)
		if err != nil {
			return
		}
		_ = Walk(a, func(n *Node) error { return touchNode(n) })
	})
}

// touchNode asks an artifact everything a build or a push asks of it.
func touchNode(n *Node) error {
	img, ok := n.Artifact.(v1.Image)
	if !ok {
		return nil
	}
	if _, err := img.ConfigFile(); err != nil {
		return err
	}
	for _, l := range n.Layers {
		if _, err := l.DiffID(); err != nil {
			return err
		}
		if _, err := l.MediaType(); err != nil {
			return err
		}
	}
	_, err := img.Digest()
	return err
}

// layoutSeeds are an image's and an index's layout, as lading and docker
// write them, and a few broken ones: {index, manifest, config, sel}.
func layoutSeeds() [][4][]byte {
	config := `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"]},` +
		`"rootfs":{"type":"layers","diff_ids":["sha256:` + strings.Repeat("a", 64) + `"]}}`
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + fuzzConfigDigest + `","size":` + fuzzConfigSize + `},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:` + strings.Repeat("b", 64) + `","size":32}]}`
	entry := `{"mediaType":"%s","digest":"` + fuzzManifestDigest + `","size":` + fuzzManifestSize +
		`,"annotations":{"org.opencontainers.image.ref.name":"app:v1"},"platform":{"architecture":"amd64","os":"linux"}}`
	image := `{"schemaVersion":2,"manifests":[` + fmt.Sprintf(entry, "application/vnd.oci.image.manifest.v1+json") + `]}`
	nested := `{"schemaVersion":2,"manifests":[` + fmt.Sprintf(entry, "application/vnd.oci.image.index.v1+json") + `]}`
	return [][4][]byte{
		{[]byte(image), []byte(manifest), []byte(config), []byte("")},
		{[]byte(image), []byte(manifest), []byte(config), []byte("v1")},
		{[]byte(image), []byte(manifest), []byte("{}"), []byte("@sha256:" + strings.Repeat("0", 64))},
		{[]byte(nested), []byte(image), []byte(config), []byte("app:v1")},
		{[]byte(`{"schemaVersion":2,"manifests":[]}`), []byte("{}"), []byte("{}"), []byte("")},
		{[]byte("null"), nil, nil, []byte("")},
	}
}

// FuzzOpenDockerArchive opens docker-archives built around a fuzzed
// manifest.json (which may name the files config.json and layer.tar the
// archive holds), and reads the image as a build does. No panic, no hang,
// errors are errors (issue 13, done-when 2).
func FuzzOpenDockerArchive(f *testing.F) {
	f.Add([]byte(`[{"Config":"config.json","RepoTags":["app:v1"],"Layers":["layer.tar"]}]`),
		[]byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["`+fuzzLayerDiffID()+`"]}}`))
	f.Add([]byte(`[{"Config":"config.json","Layers":[]}]`), []byte(`{"rootfs":{"type":"layers","diff_ids":[]}}`))
	f.Add([]byte(`[{"Config":"config.json","Layers":["layer.tar"]}]`), []byte(`{}`))
	f.Add([]byte(`[]`), []byte(`{}`))
	f.Add([]byte(`[{"Config":"../../etc/passwd","Layers":["/dev/zero"]}]`), []byte(`null`))
	f.Fuzz(func(t *testing.T, manifest, config []byte) {
		p := filepath.Join(t.TempDir(), "image.tar")
		if err := os.WriteFile(p, dockerArchive(manifest, config), 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := OpenDockerArchive(p)
		if err != nil {
			return
		}
		_ = Walk(img, func(n *Node) error { return touchNode(n) })
	})
}

// fuzzLayer is the layer.tar of the fuzzed docker-archives: one file.
func fuzzLayerTar() []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "hello", Typeflag: tar.TypeReg, Mode: 0o644, Size: 2})
	tw.Write([]byte("hi"))
	tw.Close()
	return buf.Bytes()
}

func fuzzLayerDiffID() string {
	sum := sha256.Sum256(fuzzLayerTar())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// dockerArchive is a tar of manifest.json, config.json and layer.tar.
func dockerArchive(manifest, config []byte) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		data []byte
	}{{"manifest.json", manifest}, {"config.json", config}, {"layer.tar", fuzzLayerTar()}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data))})
		tw.Write(f.data)
	}
	tw.Close()
	return buf.Bytes()
}
