package oci

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/lading-dev/lading/layer"
)

// checkDockerArchive reads the tar headers of the docker-archive at path
// before ggcr's tarball package opens it, which reads manifest.json and
// configs whole and expands sparse members: the archive must be a regular
// file without sparse members (layer.EachHeader), whose manifest.json
// fits MaxIndexSize and whose configs fit MaxConfigSize (issue 13).
func checkDockerArchive(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s)", p, fi.Mode().Type())
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	sizes := map[string]int64{}
	var manifest []byte
	err = layer.EachHeader(f, func(h *tar.Header, r io.Reader) error {
		name := path.Clean(h.Name)
		sizes[name] = h.Size
		if name != "manifest.json" {
			return nil
		}
		if h.Size > MaxIndexSize {
			return fmt.Errorf("manifest.json holds %d bytes, more than the %d lading reads", h.Size, MaxIndexSize)
		}
		manifest, err = io.ReadAll(r)
		return err
	})
	if err != nil {
		return err
	}
	return checkDockerConfigs(manifest, sizes)
}

// checkDockerConfigs refuses a config of manifest.json bigger than
// MaxConfigSize; a malformed manifest.json is left for ggcr to report.
func checkDockerConfigs(manifest []byte, sizes map[string]int64) error {
	var ms []dockerManifest
	if json.Unmarshal(manifest, &ms) != nil {
		return nil
	}
	for _, m := range ms {
		if n := sizes[path.Clean(m.Config)]; n > MaxConfigSize {
			return fmt.Errorf("config %s holds %d bytes, more than the %d lading reads", m.Config, n, MaxConfigSize)
		}
	}
	return nil
}
