package oci

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// AnnotationReferrerSubject marks an index.json entry of an OCI layout or
// oci-archive as a referrer (an OCI 1.1 artifact such as an SBOM or an
// attestation, whose manifest has a subject) and holds the digest of the
// manifest its subject names.
//
// The image-layout spec (v1.1.1) has no standard key for this: a layout
// lists a referrer as a plain top-level descriptor, as oras writes it, and
// a reader finds referrers by reading every manifest's subject (oras
// discover --oci-layout does). This key lets a reader find them from
// index.json alone, lets a rewrite drop those whose subject is gone, and
// lets OpenLayout tell them from images. Referrer entries carry no
// org.opencontainers.image.ref.name, so tools that list refs do not show
// them.
const AnnotationReferrerSubject = "dev.lading.referrer.subject"

// ReferrerDescriptor describes the artifact img as the referrers API lists
// it (distribution-spec v1.1): media type, digest, size, artifactType (the
// manifest's, else its config's media type) and a copy of the manifest's
// annotations; and returns the subject its manifest names. img must be an
// OCI image manifest with a subject.
func ReferrerDescriptor(img v1.Image) (desc, subject v1.Descriptor, err error) {
	raw, err := img.RawManifest()
	if err != nil {
		return desc, subject, fmt.Errorf("read referrer manifest: %w", err)
	}
	d, size, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return desc, subject, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return desc, subject, fmt.Errorf("parse referrer manifest %s: %w", d, err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return desc, subject, fmt.Errorf("read media type of referrer %s: %w", d, err)
	}
	if mt != types.OCIManifestSchema1 || m.Subject == nil {
		return desc, subject, fmt.Errorf("referrer %s: want an OCI image manifest with a subject, got a %s with subject %v", d, mt, m.Subject != nil)
	}
	artifactType := cmp.Or(m.ArtifactType, string(m.Config.MediaType))
	return v1.Descriptor{MediaType: mt, Digest: d, Size: size, ArtifactType: artifactType,
		Annotations: maps.Clone(m.Annotations)}, *m.Subject, nil
}

// referrerEntries describes refs as index.json entries of a layout or
// archive holding a: each with AnnotationReferrerSubject and without a ref
// name. Each subject must be a manifest of a or another of refs.
func referrerEntries(a Artifact, refs []v1.Image) ([]v1.Descriptor, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	known := map[v1.Hash]bool{}
	if err := Walk(a, func(n *Node) error { known[n.Digest] = true; return nil }); err != nil {
		return nil, err
	}
	entries := make([]v1.Descriptor, len(refs))
	subjects := make([]v1.Hash, len(refs))
	for i, r := range refs {
		desc, subject, err := ReferrerDescriptor(r)
		if err != nil {
			return nil, err
		}
		known[desc.Digest] = true
		delete(desc.Annotations, AnnotationRefName)
		if desc.Annotations == nil {
			desc.Annotations = map[string]string{}
		}
		desc.Annotations[AnnotationReferrerSubject] = subject.Digest.String()
		entries[i], subjects[i] = desc, subject.Digest
	}
	for i, s := range subjects {
		if !known[s] {
			return nil, fmt.Errorf("referrer %s: its subject %s is not a manifest of the image written, nor another referrer; attach it to the image it describes",
				entries[i].Digest, s)
		}
	}
	return entries, nil
}

// isReferrerEntry reports whether an index.json entry is a referrer
// written by lading (see AnnotationReferrerSubject).
func isReferrerEntry(m v1.Descriptor) bool {
	_, ok := m.Annotations[AnnotationReferrerSubject]
	return ok
}

// withReferrers is ms with entries added: first the entries that are not
// referrers, in their order, then every referrer entry, old and new, once
// per digest (a new one replaces an old one), sorted by subject,
// artifactType and digest, so that the same content gives the same
// index.json.
func withReferrers(ms, entries []v1.Descriptor) []v1.Descriptor {
	byDigest := map[v1.Hash]v1.Descriptor{}
	out := make([]v1.Descriptor, 0, len(ms)+len(entries))
	for _, m := range ms {
		if isReferrerEntry(m) {
			byDigest[m.Digest] = m
		} else {
			out = append(out, m)
		}
	}
	for _, e := range entries {
		byDigest[e.Digest] = e
	}
	refs := slices.Collect(maps.Values(byDigest))
	slices.SortFunc(refs, func(a, b v1.Descriptor) int {
		return cmp.Or(cmp.Compare(a.Annotations[AnnotationReferrerSubject], b.Annotations[AnnotationReferrerSubject]),
			cmp.Compare(a.ArtifactType, b.ArtifactType), cmp.Compare(a.Digest.String(), b.Digest.String()))
	})
	return append(out, refs...)
}

// pruneReferrers drops from ms, the entries of the layout at dir, the
// referrer entries whose subject is no longer reachable from the other
// entries: the images and indexes, and the referrers kept (a signature of
// an SBOM stays while the SBOM does). Their blobs stay, as every blob of a
// replaced ref does. When a manifest cannot be read, nothing is dropped: a
// broken entry must not cost the others their referrers.
func pruneReferrers(dir string, ms []v1.Descriptor) []v1.Descriptor {
	var out, refs []v1.Descriptor
	for _, m := range ms {
		if isReferrerEntry(m) {
			refs = append(refs, m)
		} else {
			out = append(out, m)
		}
	}
	if len(refs) == 0 {
		return ms
	}
	reach := map[v1.Hash]bool{}
	for _, m := range out {
		if err := reachable(dir, m, reach); err != nil {
			return ms
		}
	}
	kept := make([]bool, len(refs))
	for changed := true; changed; {
		changed = false
		for i, r := range refs {
			if s, err := v1.NewHash(r.Annotations[AnnotationReferrerSubject]); !kept[i] && err == nil && reach[s] {
				kept[i], reach[r.Digest], changed = true, true, true
			}
		}
	}
	for i, r := range refs {
		if kept[i] {
			out = append(out, r)
		}
	}
	return out
}

// reachable adds to reach desc's digest and, for an index, every manifest
// it names, read from the layout at dir.
func reachable(dir string, desc v1.Descriptor, reach map[v1.Hash]bool) error {
	if reach[desc.Digest] {
		return nil
	}
	reach[desc.Digest] = true
	if !desc.MediaType.IsIndex() {
		return nil
	}
	raw, err := readLayoutBlob(dir, desc, MaxIndexSize, "index")
	if err != nil {
		return err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("parse index %s: %w", desc.Digest, err)
	}
	for _, c := range im.Manifests {
		if err := reachable(dir, c, reach); err != nil {
			return err
		}
	}
	return nil
}

// artifacts is a followed by refs, as Artifacts.
func artifacts(a Artifact, refs []v1.Image) []Artifact {
	out := []Artifact{a}
	for _, r := range refs {
		out = append(out, r)
	}
	return out
}
