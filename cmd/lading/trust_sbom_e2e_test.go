package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdxlib"

	"github.com/lading-dev/lading/builder/attest"
	"github.com/lading-dev/lading/registry/oci"
)

// trustLayoutReferrers maps each manifest of the OCI layout at dir that
// has referrers to them, digest → artifactType: the index.json entries
// that carry oci.AnnotationReferrerSubject, each checked against the
// subject its manifest names.
func trustLayoutReferrers(t *testing.T, dir string) map[v1.Hash]map[v1.Hash]string {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	noErr(t, err)
	im, err := top.IndexManifest()
	noErr(t, err)
	out := map[v1.Hash]map[v1.Hash]string{}
	for _, e := range im.Manifests {
		s, ok := e.Annotations[oci.AnnotationReferrerSubject]
		if !ok {
			continue
		}
		m, err := v1.ParseManifest(bytes.NewReader(readAll(t, filepath.Join(dir, "blobs", e.Digest.Algorithm, e.Digest.Hex))))
		noErr(t, err)
		if m.Subject == nil || m.Subject.Digest.String() != s || m.ArtifactType != e.ArtifactType {
			t.Fatalf("%s: referrer %s is annotated with subject %s, its manifest names %v (artifactType %q, entry says %q)",
				dir, e.Digest, s, m.Subject, m.ArtifactType, e.ArtifactType)
		}
		if out[m.Subject.Digest] == nil {
			out[m.Subject.Digest] = map[v1.Hash]string{}
		}
		out[m.Subject.Digest][e.Digest] = e.ArtifactType
	}
	return out
}

// trustLayoutSBOMs maps each platform of the service layout at dir to the
// digest of its SBOM referrer, failing unless every platform image has
// exactly one.
func trustLayoutSBOMs(t *testing.T, dir string) map[string]v1.Hash {
	t.Helper()
	refs := trustLayoutReferrers(t, dir)
	_, images := readLayout(t, dir)
	out := map[string]v1.Hash{}
	for _, img := range images {
		d, err := img.image.Digest()
		noErr(t, err)
		var sboms []v1.Hash
		for r, at := range refs[d] {
			if at == attest.MediaTypeSPDX {
				sboms = append(sboms, r)
			}
		}
		if len(sboms) != 1 {
			t.Fatalf("%s: the %s image %s has SBOM referrers %v, want one", dir, img.platform, d, sboms)
		}
		out[img.platform] = sboms[0]
	}
	return out
}

// TestSBOME2E is issue 12's "Done when" point 2, for the example service
// built into a layout: each platform's SBOM (the layout's referrer of its
// manifest) reads back with tools-golang and passes its validation; it
// lists the server's Go module github.com/spf13/pflag at the version go.mod
// selects, with its package URL; the file /usr/local/bin/server with the
// sha256 of the file in the image; and the static base by the digest the
// image's base annotation names. (That the SBOMs' digests are the same
// from two clones is TestServiceReproducible's.)
func TestSBOME2E(t *testing.T) {
	needs(t, crossCompile)
	root := filepath.Join("..", "..")
	out := filepath.Join(t.TempDir(), "layout")
	cmd := exec.Command(ladingBinary(t), "build", "-f", serviceSpec, "--oci-layout", out+":v1", "-q")
	cmd.Dir, cmd.Env = root, withoutVar(childEnv(), "VERSION")
	runCmd(t, cmd)
	list := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "github.com/spf13/pflag")
	list.Dir = root
	pflagVersion := strings.TrimSpace(runCmd(t, list))
	sboms := trustLayoutSBOMs(t, out)
	_, images := readLayout(t, out)
	for _, img := range images {
		t.Run(img.platform, func(t *testing.T) {
			doc := trustReadSBOM(t, out, sboms[img.platform])
			d, err := img.image.Digest()
			noErr(t, err)
			m, err := img.image.Manifest()
			noErr(t, err)
			trustCheckSBOM(t, doc, d, m.Annotations["org.opencontainers.image.base.digest"], pflagVersion,
				imageFile(t, img.image, "/usr/local/bin/server"))
		})
	}
}

// trustReadSBOM reads the SPDX document of the SBOM artifact d in the
// layout at dir, and validates it with tools-golang.
func trustReadSBOM(t *testing.T, dir string, d v1.Hash) *spdx.Document {
	t.Helper()
	blob := func(h v1.Hash) []byte { return readAll(t, filepath.Join(dir, "blobs", h.Algorithm, h.Hex)) }
	m, err := v1.ParseManifest(bytes.NewReader(blob(d)))
	noErr(t, err)
	if len(m.Layers) != 1 || m.Layers[0].MediaType != attest.MediaTypeSPDX {
		t.Fatalf("SBOM artifact %s has layers %+v, want one of type %s", d, m.Layers, attest.MediaTypeSPDX)
	}
	doc, err := spdxjson.Read(bytes.NewReader(blob(m.Layers[0].Digest)))
	if err != nil {
		t.Fatalf("tools-golang cannot read the SBOM %s: %v", d, err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		t.Fatalf("tools-golang rejects the SBOM %s: %v", d, err)
	}
	return doc
}

// trustCheckSBOM: doc describes the image d, lists pflag at version with
// its purl, the server file with the sha256 of server, and the base by
// baseDigest, which the image descends from.
func trustCheckSBOM(t *testing.T, doc *spdx.Document, d v1.Hash, baseDigest, version string, server []byte) {
	t.Helper()
	pkgs := map[string]*spdx.Package{}
	for _, p := range doc.Packages {
		pkgs[p.PackageName] = p
	}
	if p := pkgs["lading.example/service"]; p == nil || p.PackageVersion != d.String() {
		t.Errorf("the image's package is %+v, want lading.example/service at %s", p, d)
	}
	purl := "pkg:golang/github.com/spf13/pflag@" + version
	if p := pkgs["github.com/spf13/pflag"]; p == nil || p.PackageVersion != version ||
		!slices.ContainsFunc(p.PackageExternalReferences, func(r *spdx.PackageExternalReference) bool { return r.RefType == "purl" && r.Locator == purl }) {
		t.Errorf("package github.com/spf13/pflag is %+v, want version %s and purl %s", p, version, purl)
	}
	if p := pkgs["static"]; baseDigest == "" || p == nil || p.PackageVersion != baseDigest {
		t.Errorf("base package static is %+v, want version %q (the image's base.digest annotation)", p, baseDigest)
	}
	sum := sha256.Sum256(server)
	var got []string
	for _, f := range doc.Files {
		if f.FileName == "./usr/local/bin/server" {
			for _, c := range f.Checksums {
				got = append(got, string(c.Algorithm)+":"+c.Value)
			}
		}
	}
	if !slices.Contains(got, "SHA256:"+hex.EncodeToString(sum[:])) {
		t.Errorf("file ./usr/local/bin/server has checksums %v, want SHA256 %x (the file in the image)", got, sum)
	}
	var rels []string
	for _, r := range doc.Relationships {
		rels = append(rels, fmt.Sprintf("%s %s %s", r.RefA.ElementRefID, r.Relationship, r.RefB.ElementRefID))
	}
	if !slices.Contains(rels, "Image DESCENDANT_OF Base") || !slices.Contains(rels, "DOCUMENT DESCRIBES Image") {
		t.Errorf("relationships %q lack DOCUMENT DESCRIBES Image or Image DESCENDANT_OF Base", rels)
	}
}
