// Package oci reads and writes images on this machine: OCI image layouts,
// oci-archive and docker-archive tarballs, local source references
// (oci-layout:DIR[:REF|@DIGEST], oci-archive:FILE[:REF], docker-archive:FILE),
// the base cache, and Walk, the one walk over an image graph that layouts,
// archives and pushes all list blobs through.
//
// Every output appears whole or not at all: files are written to a temp name
// beside their destination, synced and renamed (package atomicfile); a
// layout's index.json is replaced last, so it never names a blob that is not
// already in place. It speaks no network protocol and must not read the
// environment.
package oci
