// Package builder turns a build request into a plan and runs it: it collects
// host files, has package layer write them, has package manifest assemble
// the image, and has package registry write every output.
//
// It must not parse flags or read the environment (package cmd does that and
// passes values in), and it prints nothing: results are returned, progress
// goes to the injected *slog.Logger.
package builder
