// Package attest writes what a build says about its images: an SPDX 2.3
// SBOM per platform image, an in-toto statement carrying a SLSA v1
// provenance predicate, and the OCI 1.1 artifact manifests that carry
// either one to a registry or a layout with the image as their subject
// (issue 12, "Trust what you ship").
//
// Its functions are pure: they turn values into bytes (or a v1.Image made
// of bytes) and back, with time taken only from the epoch passed in, so the
// same build yields the same documents and the same digests. It must not
// read the environment, touch the network or sign anything; GoBinaryInfo,
// which reads one host file, is its only I/O. Deciding what to attach, and
// pushing, writing and signing it, belong to the builder.
package attest

// Media types and predicate types of what this package writes.
const (
	// MediaTypeSPDX is the SBOM artifact's artifactType and its layer's
	// media type.
	MediaTypeSPDX = "application/spdx+json"
	// MediaTypeInToto is the provenance artifact's artifactType and its
	// layer's media type: the layer is an in-toto statement.
	MediaTypeInToto = "application/vnd.in-toto+json"
	// PredicateSLSA1 is the predicateType of a SLSA v1 provenance
	// statement (what `cosign verify-attestation --type slsaprovenance1`
	// looks for).
	PredicateSLSA1 = "https://slsa.dev/provenance/v1"
	// PredicateSPDX is the predicateType of a statement whose predicate is
	// an SPDX document (cosign's `--type spdxjson`).
	PredicateSPDX = "https://spdx.dev/Document"
)

// BuildType names what a lading provenance's parameters mean (SLSA v1
// buildDefinition.buildType). It sits under the repository lading is
// published from, the one name this project owns. Version 1 means:
//
// externalParameters, what the person running the build chose:
//   - "spec": {"path": the spec file relative to the git checkout's root,
//     "digest": {"sha256": of the spec file's bytes}}; absent without a spec.
//   - "platforms": the platforms built, in the order asked for.
//   - "tags": the tags given, in the order given; absent without tags.
//   - "base": the base image as written; absent for scratch; "static" is
//     lading's built-in base.
//   - "compression": the layers' compression, gzip, zstd or none; and
//     "compressionLevel", its level, absent for the pinned default.
//
// internalParameters: "epoch", the build's timestamp (RFC 3339, UTC), the
// only clock any output was made from; runDetails.metadata's startedOn and
// finishedOn are both this epoch, so a rebuild yields the same bytes.
//
// resolvedDependencies, in this order:
//   - the source: "uri" is "git+" and the origin remote with any
//     user:password@ removed (git+file:///PATH for a remote that is a
//     path; absent without a remote), "digest" is
//     {"gitCommit": commit}, and "annotations" holds {"dirty": true} when
//     the checkout had uncommitted changes; absent outside a checkout.
//   - each base by digest: "name" as written, "uri" a package URL
//     (pkg:oci/NAME@sha256%3AHEX?repository_url=REPO) when the base is a
//     registry image, "digest" {"sha256": manifest digest}; sorted.
//   - the Go toolchain that built go layers: "name" its version
//     ("go1.26.8"), "uri" pkg:golang/stdlib@1.26.8; absent without go
//     layers.
//
// runDetails.builder.id is BuilderID(version) and builder.version is
// {"lading": version}.
const BuildType = "https://github.com/lading-dev/lading/blob/main/docs/buildtype-v1.md"
