package oci

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
)

// LayoutReferrers lists the referrers of the manifest d in the OCI layout
// at dir: the index.json entries whose AnnotationReferrerSubject is d, in
// index.json order, each checked against its manifest (read capped and
// verified against the entry's digest), whose subject must be d. None is
// an empty list, not an error.
func LayoutReferrers(dir string, d v1.Hash) ([]v1.Descriptor, error) {
	top, err := readLayoutTop(dir)
	if err != nil {
		return nil, fmt.Errorf("list referrers in OCI layout %s: %w", dir, err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("list referrers in OCI layout %s: parse index.json: %w", dir, err)
	}
	out, err := referrersOf(im, d, func(desc v1.Descriptor) ([]byte, error) {
		return readLayoutBlob(dir, desc, MaxIndexSize, "referrer manifest")
	})
	if err != nil {
		return nil, fmt.Errorf("list referrers in OCI layout %s: %w", dir, err)
	}
	return out, nil
}

// OCIArchiveReferrers is LayoutReferrers for the oci-archive at path. It
// reads index.json and then the referrer manifests only, straight from the
// tar, in two passes, extracting nothing.
func OCIArchiveReferrers(path string, d v1.Hash) ([]v1.Descriptor, error) {
	out, err := archiveReferrers(path, d)
	if err != nil {
		return nil, fmt.Errorf("list referrers in oci-archive %s: %w", path, err)
	}
	return out, nil
}

func archiveReferrers(path string, d v1.Hash) ([]v1.Descriptor, error) {
	files, err := readArchiveFiles(path, map[string]bool{"index.json": true})
	if err != nil {
		return nil, err
	}
	index, ok := files["index.json"]
	if !ok {
		return nil, fmt.Errorf("it has no index.json; is it an oci-archive?")
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(index))
	if err != nil {
		return nil, fmt.Errorf("parse index.json: %w", err)
	}
	want := map[string]bool{}
	for _, m := range im.Manifests {
		if m.Annotations[AnnotationReferrerSubject] == d.String() {
			want[blobPath(m.Digest)] = true
		}
	}
	if files, err = readArchiveFiles(path, want); err != nil {
		return nil, err
	}
	return referrersOf(im, d, func(desc v1.Descriptor) ([]byte, error) {
		b, ok := files[blobPath(desc.Digest)]
		if !ok {
			return nil, fmt.Errorf("referrer manifest %s is not in the archive", desc.Digest)
		}
		return b, CheckBlob(b, desc)
	})
}

// referrersOf picks, from the entries of index.json im, those whose
// AnnotationReferrerSubject is d, and checks that the manifest of each, as
// read (and verified) by read, names d as its subject.
func referrersOf(im *v1.IndexManifest, d v1.Hash, read func(v1.Descriptor) ([]byte, error)) ([]v1.Descriptor, error) {
	out := []v1.Descriptor{}
	for _, m := range im.Manifests {
		if m.Annotations[AnnotationReferrerSubject] != d.String() {
			continue
		}
		raw, err := read(m)
		if err != nil {
			return nil, err
		}
		if err := checkSubject(raw, m, d); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// checkSubject checks that raw, the manifest of index.json entry m, names
// d as its subject, as m's annotation says.
func checkSubject(raw []byte, m v1.Descriptor, d v1.Hash) error {
	got, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("parse referrer manifest %s: %w", m.Digest, err)
	}
	if got.Subject == nil || got.Subject.Digest != d {
		return fmt.Errorf("entry %s says its subject is %s, but its manifest names %v: the layout is broken or forged; write it again",
			m.Digest, d, subjectOf(got))
	}
	return nil
}

// subjectOf names a manifest's subject for an error.
func subjectOf(m *v1.Manifest) string {
	if m.Subject == nil {
		return "no subject"
	}
	return "subject " + m.Subject.Digest.String()
}

// blobPath is where an archive holds blob d.
func blobPath(d v1.Hash) string { return filepath.Join("blobs", d.Algorithm, d.Hex) }

// readArchiveFiles reads, whole, the regular files of the tar at path
// whose clean names are in names, each capped at MaxIndexSize.
func readArchiveFiles(path string, names map[string]bool) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(names) == 0 {
		return out, nil
	}
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	err = layer.EachHeader(f, func(h *tar.Header, r io.Reader) error {
		name := filepath.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || !names[name] {
			return nil
		}
		if h.Size > MaxIndexSize {
			return fmt.Errorf("%s holds %d bytes, more than the %d lading reads", name, h.Size, MaxIndexSize)
		}
		b, err := io.ReadAll(io.LimitReader(r, h.Size))
		out[name] = b
		return err
	})
	return out, err
}
