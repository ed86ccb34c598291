// Package inspect looks inside an image or index that lading can read (a
// registry's, a layout's, an archive's): it describes manifests and
// configs, lists an image's merged file tree and compares two images down
// to their tar entries, for `lading inspect`, `lading ls` and `lading diff`.
//
// It reads only: it never writes an image, opens no source itself (cmd
// hands it a registry/oci.Artifact) and never holds a layer in memory;
// every layer it reads is checked against its digest, size and diffID as
// it streams by (layer.EachEntry), and what it read is reported only once
// those checks pass. Layers are numbered from 1, bottom first.
package inspect
