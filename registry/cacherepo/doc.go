// Package cacherepo is lading's shared layer cache tier: a repository in a
// registry (`lading build --cache-repo REF`) where runners that do not share
// a disk find each other's finished layers by cache key (layer.Writer.Key).
//
// Scheme, one tag per key: REF:layer-<key>, where key is the 64 hex digits
// of the cache key ("layer-" plus 64 fits the 128-character tag limit). The
// tag names a small OCI image manifest used as an artifact (image-spec 1.1):
//
//	artifactType  application/vnd.lading.layer-cache.v1+json
//	config        the empty descriptor (application/vnd.oci.empty.v1+json, {})
//	layers        [the layer's blob: its media type, digest and size]
//	annotations   dev.lading.cache.key               the key again
//	              dev.lading.layer.diffID            sha256 of the tar stream
//	              dev.lading.layer.uncompressedSize  its size in bytes
//	              dev.lading.layer.format            layer.LayerFormatVersion
//
// A tag per key, rather than one index of every key, makes a lookup one
// manifest GET and a publish one blob upload and one manifest PUT, with no
// read-modify-write for concurrent runners to race on; registries list and
// garbage-collect tags with the tools they already have. The blob is the
// layer itself, so an image pushed to the same registry can share it.
//
// What the registry says is checked, never trusted: the blob is streamed
// into the local cache through layer.Writer.Import, which measures its
// digest, size, diffID and uncompressed size, so a registry that serves
// other bytes, or an artifact whose annotations lie, costs a warning and a
// local pack, never a wrong image. What cannot be checked without packing
// is that the entry under a key is the layer those inputs make: whoever
// may push to the cache repository decides what builds that use it
// contain, exactly as whoever may push a base image does.
//
// A Repo never fails a build: a cache repository that cannot be reached
// or refuses a request is warned about once and not asked again during
// the build; failed publishes are warnings. It knows nothing of specs or
// of the local cache; the builder moves layers between the two.
package cacherepo
