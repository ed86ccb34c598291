package attest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// goSumRefType is the external reference type (category OTHER, SPDX 2.3
// Annex F.4) that carries a module's go.sum hash. The hash is not claimed
// as a SHA256 checksum, as syft and ko do: an h1: hash is the SHA-256 of
// a list of the module's files and their SHA-256s (Go's dirhash.Hash1,
// https://go.dev/ref/mod#go-sum-files), not of the module zip or of
// anything else a recipient can hash, and SPDX's package checksum is the
// checksum of the package's file (clause 7.10).
const goSumRefType = "go-module-sum"

// sbomComment says once, in the document, what the go.sum references are.
const sbomComment = "Go modules carry their go.sum hash as an external reference of category OTHER and type " +
	goSumRefType + ": base64 SHA-256 of the module's file list (https://go.dev/ref/mod#go-sum-files), " +
	"which is not a checksum of any archive."

// modSet is the packages of an image's Go binaries, each once, and which
// binary links which.
type modSet struct {
	pkgs  map[common.ElementID]*spdx.Package
	links []link
}

type link struct {
	binary string // path in the image
	typ    string // relationship type
	pkg    common.ElementID
}

// goPackages makes the packages of every Go binary of img, each of which
// must be among its files: its main module (GENERATED_FROM), each
// dependency module and the standard library (STATIC_LINK).
func goPackages(img Image, files fileSet) (modSet, error) {
	bins := slices.Clone(img.Go)
	slices.SortFunc(bins, func(a, b GoBinary) int { return strings.Compare(a.Path, b.Path) })
	set := modSet{pkgs: map[common.ElementID]*spdx.Package{}}
	for _, b := range bins {
		if _, ok := files.ids[b.Path]; !ok {
			return modSet{}, fmt.Errorf("SBOM of %s: Go binary %s is not among the image's files", img.Name, b.Path)
		}
		if tc := goToolchain(b.GoVersion); tc != "" {
			set.add(b.Path, common.TypeRelationshipStaticLink, stdlibPackage(tc))
		}
		if b.Main.Path != "" {
			p, err := modulePackage(b.Main, "APPLICATION")
			if err != nil {
				return modSet{}, fmt.Errorf("SBOM of %s: Go binary %s: %w", img.Name, b.Path, err)
			}
			set.add(b.Path, common.TypeRelationshipGeneratedFrom, p)
		}
		for _, d := range b.Deps {
			p, err := modulePackage(d, "LIBRARY")
			if err != nil {
				return modSet{}, fmt.Errorf("SBOM of %s: Go binary %s: %w", img.Name, b.Path, err)
			}
			set.add(b.Path, common.TypeRelationshipStaticLink, p)
		}
	}
	return set, nil
}

func (s *modSet) add(binary, typ string, p *spdx.Package) {
	s.pkgs[p.PackageSPDXIdentifier] = p
	s.links = append(s.links, link{binary: binary, typ: typ, pkg: p.PackageSPDXIdentifier})
}

// packages lists the set's packages by name, version and identifier.
func (s modSet) packages() []*spdx.Package {
	var out []*spdx.Package
	for _, p := range s.pkgs {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *spdx.Package) int {
		return cmp.Or(strings.Compare(a.PackageName, b.PackageName), strings.Compare(a.PackageVersion, b.PackageVersion),
			strings.Compare(string(a.PackageSPDXIdentifier), string(b.PackageSPDXIdentifier)))
	})
	return out
}

// stdlibPackage is the standard library of toolchain tc ("go1.26.8").
func stdlibPackage(tc string) *spdx.Package {
	return &spdx.Package{
		PackageName:               "stdlib",
		PackageSPDXIdentifier:     elementID("Package-go", "stdlib-"+tc, "stdlib\x00"+tc),
		PackageVersion:            tc,
		PackageDownloadLocation:   noAssertion,
		PrimaryPackagePurpose:     "LIBRARY",
		PackageComment:            "the Go standard library of toolchain " + tc,
		PackageExternalReferences: []*spdx.PackageExternalReference{purlRef(stdlibPURL(tc))},
	}
}

// modulePackage is the module m a binary was built with: its replacement
// when it has one, since that is the code linked in. A module replaced by
// a directory keeps its own path and has no version.
func modulePackage(m Module, purpose string) (*spdx.Package, error) {
	name, version, sum, comment := m.Path, m.Version, m.Sum, ""
	if r := m.Replace; r != nil && r.Version != "" {
		name, version, sum = r.Path, r.Version, r.Sum
		comment = fmt.Sprintf("replaces %s %s", m.Path, m.Version)
	} else if r != nil {
		version, sum = "", ""
		comment = fmt.Sprintf("replaced by the directory %s", r.Path)
	}
	if name == "" {
		return nil, fmt.Errorf("a module has no path")
	}
	if strings.ContainsAny(sum, " \t\r\n") {
		return nil, fmt.Errorf("module %s: go.sum hash %q has white space", name, sum)
	}
	key := strings.Join([]string{purpose, name, version, sum, comment}, "\x00")
	p := &spdx.Package{
		PackageName:               name,
		PackageSPDXIdentifier:     elementID("Package-go", name+"-"+version, key),
		PackageVersion:            version,
		PackageDownloadLocation:   noAssertion,
		PrimaryPackagePurpose:     purpose,
		PackageComment:            comment,
		PackageExternalReferences: []*spdx.PackageExternalReference{purlRef(goModulePURL(name, version))},
	}
	if sum != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences,
			&spdx.PackageExternalReference{Category: "OTHER", RefType: goSumRefType, Locator: sum})
	}
	return p, nil
}

// sortRelationships orders relationships by element, type and related
// element, each once (a binary may list a module twice).
func sortRelationships(rs []*spdx.Relationship) []*spdx.Relationship {
	order := func(a, b *spdx.Relationship) int {
		return cmp.Or(strings.Compare(string(a.RefA.ElementRefID), string(b.RefA.ElementRefID)),
			strings.Compare(a.Relationship, b.Relationship),
			strings.Compare(string(a.RefB.ElementRefID), string(b.RefB.ElementRefID)))
	}
	slices.SortFunc(rs, order)
	return slices.CompactFunc(rs, func(a, b *spdx.Relationship) bool { return order(a, b) == 0 })
}
