package attest

import (
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// Fixed SPDX identifiers of the image and its base.
const (
	imageID common.ElementID = "Image"
	baseID  common.ElementID = "Base"
)

// imagePackage is the package the document describes. Its files are the
// regular files lading placed, so they are analysed and its verification
// code covers exactly them; the base's files belong to the base package.
func imagePackage(img Image, files fileSet) *spdx.Package {
	arch := ""
	if parts := strings.Split(img.Platform, "/"); len(parts) > 1 {
		arch = parts[1]
	}
	p := &spdx.Package{
		PackageName:             img.Name,
		PackageSPDXIdentifier:   imageID,
		PackageVersion:          img.Digest.String(),
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   "CONTAINER",
		PackageComment:          fmt.Sprintf("%s image; its files are the regular files lading placed, not the base image's", img.Platform),
	}
	purl, ok := ociPURL(img.Name, img.Digest, arch)
	if img.Name == untaggedName {
		// No repository: the name is a placeholder, not docker.io/library/image.
		purl, ok = "pkg:oci/image@"+purlEscape(img.Digest.String(), "")+"?arch="+purlEscape(arch, ""), arch != ""
	}
	if ok {
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(purl)}
	}
	if files.verificationCode != "" {
		p.FilesAnalyzed = true
		p.PackageVerificationCode = &common.PackageVerificationCode{Value: files.verificationCode}
	}
	return p
}

// basePackage is the base image by digest, nil for scratch. lading's
// built-in base and bases that are not registry references (layouts,
// archives) have no package URL.
func basePackage(b *Base) *spdx.Package {
	if b == nil || b.Name == "" {
		return nil
	}
	p := &spdx.Package{
		PackageName:             b.Name,
		PackageSPDXIdentifier:   baseID,
		PackageVersion:          b.Digest.String(),
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   "CONTAINER",
	}
	if b.Name == builtinBase {
		p.PackageComment = "lading's built-in static base"
	}
	if purl, ok := ociPURL(b.Name, b.Digest, ""); ok {
		p.PackageExternalReferences = []*spdx.PackageExternalReference{purlRef(purl)}
	}
	return p
}

// builtinBase is the base name that means lading's built-in static base;
// untaggedName is the name of an image without tags.
const (
	builtinBase  = "static"
	untaggedName = "image"
)

func purlRef(purl string) *spdx.PackageExternalReference {
	return &spdx.PackageExternalReference{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: purl}
}

// relationships links the document's elements, sorted:
//   - DOCUMENT DESCRIBES the image;
//   - the image CONTAINS each file and is a DESCENDANT_OF its base;
//   - each Go binary's file is GENERATED_FROM its main module and has a
//     STATIC_LINK to each dependency module and the standard library: Go
//     links them all into the executable.
func relationships(img Image, files fileSet, mods modSet) []*spdx.Relationship {
	var rs []*spdx.Relationship
	add := func(a common.ElementID, typ string, b common.ElementID) {
		rs = append(rs, &spdx.Relationship{
			RefA:         common.DocElementID{ElementRefID: a},
			RefB:         common.DocElementID{ElementRefID: b},
			Relationship: typ,
		})
	}
	add("DOCUMENT", common.TypeRelationshipDescribe, imageID)
	if img.Base != nil && img.Base.Name != "" {
		add(imageID, common.TypeRelationshipDescendantOf, baseID)
	}
	for _, f := range files.list {
		add(imageID, common.TypeRelationshipContains, f.FileSPDXIdentifier)
	}
	for _, l := range mods.links {
		add(files.ids[l.binary], l.typ, l.pkg)
	}
	return sortRelationships(rs)
}
