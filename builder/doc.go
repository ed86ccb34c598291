// Package builder turns a build request into a plan and runs it: it makes
// each layer's files per platform (host files as they are, a Go program
// built by go build, what a host command leaves in $OUT), has package layer
// write them, has package manifest assemble the image, runs the checks, and
// has packages registry/oci and registry write every output.
//
// The words are the spec's: a layer is files, go or run; a check is a host
// command run before anything is written; the build in progress is a build.
// It must not parse flags, read the environment or know the spec language
// (package cmd and package builder/spec do that and pass a Request in), and
// it prints nothing: results are returned, progress goes to the injected
// *slog.Logger.
package builder
