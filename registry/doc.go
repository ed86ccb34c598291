// Package registry knows where images come from and go to: OCI image
// layouts, oci-archive and docker-archive tarballs, and registries (the
// Client: pushes, pulls, credentials, TLS and retries).
//
// Every output appears whole or not at all: files are written to a temp name
// beside their destination, synced and renamed; a layout's index.json is
// replaced last, so it never names a blob that is not already in place. It
// must not read the environment; callers pass everything in.
package registry
