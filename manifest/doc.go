// Package manifest assembles OCI images and indexes from a base and a list
// of layers, with ggcr's v1.Image and v1.ImageIndex as its only model.
//
// It owns the image config (platform, history, the build epoch as every
// timestamp, merged runtime settings) and annotations. It does no I/O of its
// own: layers arrive as v1.Layer values and the result is written elsewhere
// (package registry). It must not read the environment or the clock.
package manifest
