package attest

import (
	"bytes"
	"fmt"
	"net/url"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// File is one regular file lading placed in an image.
type File struct {
	// Path is the file's absolute path in the image.
	Path string
	// SHA256 is the digest of its contents.
	SHA256 v1.Hash
	// SHA1 is the lowercase hex SHA-1 of its contents. SPDX 2.3 requires
	// exactly one SHA1 checksum on every file (clause 8.4) and builds the
	// package verification code from them (clause 7.9); SBOM refuses a file
	// without one rather than write a document validators reject.
	SHA1 string
	// Size is its length in bytes.
	Size int64
	// Layer names the layer that placed it.
	Layer string
}

// Module is a Go module as a binary's build info records it.
type Module struct {
	// Path and Version are the module's ("(devel)" for a main module
	// built from a checkout without a version).
	Path, Version string
	// Sum is the go.sum hash ("h1:..."), empty when unknown.
	Sum string
	// Replace is the module that replaced this one, nil if none.
	Replace *Module
}

// GoBinary is one Go executable in an image and what built it.
type GoBinary struct {
	// Path is the executable's absolute path in the image; it must be one
	// of the image's Files.
	Path string
	// GoVersion is the toolchain's version, "go1.26.8".
	GoVersion string
	// Main is the module whose main package it is; its Path is "" for a
	// program built from files (go build main.go).
	Main Module
	// Deps are the other modules linked in.
	Deps []Module
}

// Base is the image an image was built on.
type Base struct {
	// Name is the base as the user gave it: "static" for lading's built-in
	// base, "" for scratch.
	Name string
	// Digest is the base's manifest digest; zero for scratch.
	Digest v1.Hash
}

// Image is one platform image as the SBOM sees it.
type Image struct {
	// Name is what the image is known by: the first tag's repository,
	// else "image".
	Name string
	// Digest is its manifest digest: the SBOM describes it.
	Digest v1.Hash
	// Platform is "os/arch[/variant]", "linux/amd64".
	Platform string
	// Base is nil for scratch.
	Base *Base
	// Files is every regular file lading placed, each path once (the copy
	// the image shows), in any order.
	Files []File
	// Go lists the Go executables among Files (GoBinaryInfo finds them).
	Go []GoBinary
}

// sbomNamespace prefixes every SBOM's documentNamespace (SPDX 2.3 clause
// 6.5): a URI under a name this project owns, followed by the image digest
// and the lading version, since the same lading makes the same document of
// an image and another version may make another. It need not resolve.
const sbomNamespace = "https://github.com/lading-dev/lading/spdx/"

// SBOM returns the SPDX 2.3 JSON document describing img: a package for
// the image (with every file it lists), one for its base, one for each Go
// binary's main module, dependency modules and standard library, and the
// relationships between them (see relationships). The document is created
// at epoch by "Tool: lading-<ladingVersion>". Everything is sorted, so the
// same input in any order gives the same bytes.
func SBOM(img Image, epoch time.Time, ladingVersion string) ([]byte, error) {
	if err := checkImage(img, ladingVersion); err != nil {
		return nil, err
	}
	files, err := spdxFiles(img)
	if err != nil {
		return nil, err
	}
	mods, err := goPackages(img, files)
	if err != nil {
		return nil, err
	}
	pkgs := []*spdx.Package{imagePackage(img, files)}
	if b := basePackage(img.Base); b != nil {
		pkgs = append(pkgs, b)
	}
	pkgs = append(pkgs, mods.packages()...)
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      img.Name,
		DocumentNamespace: sbomNamespace + img.Digest.Hex + "/lading-" + url.PathEscape(ladingVersion),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "lading-" + ladingVersion}},
			Created:  epoch.UTC().Format("2006-01-02T15:04:05Z"),
		},
		Packages:      pkgs,
		Files:         files.list,
		Relationships: relationships(img, files, mods),
	}
	if len(mods.pkgs) > 0 {
		doc.DocumentComment = sbomComment
	}
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.EscapeHTML(false)); err != nil {
		return nil, fmt.Errorf("encode SBOM of %s: %w", img.Name, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkImage rejects what would make an invalid or ambiguous document.
func checkImage(img Image, ladingVersion string) error {
	switch {
	case img.Name == "":
		return fmt.Errorf("SBOM: the image has no name")
	case !isSHA256(img.Digest):
		return fmt.Errorf("SBOM of %s: image digest %q is not a sha256 digest", img.Name, img.Digest)
	case img.Platform == "":
		return fmt.Errorf("SBOM of %s: the image has no platform", img.Name)
	case ladingVersion == "":
		return fmt.Errorf("SBOM of %s: the lading version is empty; it names the document's creator", img.Name)
	case img.Base != nil && img.Base.Name != "" && !isSHA256(img.Base.Digest):
		return fmt.Errorf("SBOM of %s: base %s has no sha256 digest %q", img.Name, img.Base.Name, img.Base.Digest)
	}
	return nil
}

func isSHA256(h v1.Hash) bool {
	return h.Algorithm == "sha256" && isHex(h.Hex, 64)
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
