package oci

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/lading-dev/lading/layer"
)

// OpenLayout returns the image or index in the OCI layout at dir selected
// by sel: "" (the only entry), a ref name, or "@sha256:…" (a digest).
// Errors list the ref names the layout has.
func OpenLayout(dir, sel string) (Artifact, error) {
	a, err := openLayout(dir, sel)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	return a, nil
}

// openLayout is OpenLayout without dir in its errors, so an extracted
// archive can name itself instead of its temporary directory.
func openLayout(dir, sel string) (Artifact, error) {
	idx, err := readLayoutTop(dir)
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("read index.json: %w", err)
	}
	desc, err := selectEntry(im.Manifests, sel)
	if err != nil {
		return nil, err
	}
	var a Artifact
	if desc.MediaType.IsIndex() {
		a, err = idx.ImageIndex(desc.Digest)
	} else {
		a, err = idx.Image(desc.Digest)
	}
	if err != nil {
		return nil, fmt.Errorf("open entry %s: %w", desc.Digest, err)
	}
	return a, nil
}

// OpenOCIArchive extracts the oci-archive at path into workDir and opens
// the entry tag selects, as OpenLayout does. workDir must outlive the
// returned artifact; the caller removes it.
func OpenOCIArchive(ctx context.Context, path, sel, workDir string) (Artifact, error) {
	dir, err := os.MkdirTemp(workDir, "oci-archive-*")
	if err != nil {
		return nil, fmt.Errorf("extract oci-archive %s: %w", path, err)
	}
	if err := extract(ctx, path, dir); err != nil {
		return nil, fmt.Errorf("extract oci-archive %s: %w", path, relabeled{err, dir, path + "!"})
	}
	a, err := openLayout(dir, sel)
	if err != nil {
		return nil, fmt.Errorf("open oci-archive %s: %w", path, relabeled{err, dir, path + "!"})
	}
	return a, nil
}

// relabeled is err with every mention of the directory an archive was
// extracted to replaced by the archive's own name ("app.oci.tar!/index.json"),
// so no message names a temporary path the user never saw. Unwrap keeps
// the cause.
type relabeled struct {
	err      error
	from, to string
}

func (r relabeled) Error() string { return strings.ReplaceAll(r.err.Error(), r.from, r.to) }
func (r relabeled) Unwrap() error { return r.err }

// OpenDockerArchive opens the image in the docker-archive at path (the
// first one when it holds several).
func OpenDockerArchive(path string) (v1.Image, error) {
	if err := checkDockerArchive(path); err != nil {
		return nil, fmt.Errorf("open docker-archive %s: %w", path, err)
	}
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open docker-archive %s: %w", path, err)
	}
	return img, nil
}

// ArchiveKind names the format of the tarball at path, from the names it
// holds: "oci-archive" (it has an oci-layout file), "docker-archive" (a
// manifest.json and no oci-layout), or "" when it is neither.
func ArchiveKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	oci, docker := false, false
	err = layer.EachHeader(f, func(h *tar.Header, _ io.Reader) error {
		switch filepath.Clean(h.Name) {
		case "oci-layout":
			oci = true
		case "manifest.json":
			docker = true
		}
		return nil
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("read %s as a tar archive: %w", path, err)
	case oci:
		return "oci-archive", nil
	case docker:
		return "docker-archive", nil
	}
	return "", nil
}
