// Package registry is the network side of images: the Client that pushes to
// and pulls from registries, with credentials (docker and podman config
// files, credential helpers), TLS, and retries at one level per request.
//
// Local formats (OCI layouts, oci-archive, docker-archive, the base cache and
// the one walk over an image graph) are package registry/oci, which this
// package builds on and which never imports it. Push is lading's own protocol
// code rather than ggcr's remote.Write; docs/design.md says why. It must not
// read the environment; callers pass everything in.
package registry
