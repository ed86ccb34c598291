package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder/progress"
	"github.com/lading-dev/lading/registry/inspect"
	"github.com/lading-dev/lading/registry/oci"
)

// inspectFlags is the CLI's plain config for `lading inspect`.
type inspectFlags struct {
	source sourceFlags
	json   bool
	raw    bool
	config bool
}

const inspectUsage = `Usage: lading inspect [flags] SRC

Describes the index or image in SRC on stdout. For an index: its digest,
then one line per manifest with its platform, digest and size. For an image
(or, with --platform, the index's image for that platform): its digest,
platform, config digest (the image ID), created time, entrypoint, cmd, env,
user, workdir, ports, labels and annotations, then one line per layer,
bottom first, with its digest, stored size and, when lading built it, the
spec layer it came from ("files assets", "go server", "run gen"). Then one
line per document attached to the image or its manifests (the SBOM and
provenance lading build attaches, or any OCI 1.1 artifact): from a layout's
or oci-archive's index.json, or the registry's referrers. No layer is read.

` + sourceHelp + `
A docker-archive stores no manifest: the one shown (and its digest) is the
OCI manifest lading reads it as. Exit codes: 0 success, 1 error, 2 usage
error.

Examples:
  lading inspect oci-layout:out:v1
  lading inspect --platform linux/arm64 --json registry.example/web/app:v1 | jq .layers
  lading inspect --raw --config app.oci.tar

Flags:
`

// runInspect implements `lading inspect`.
func runInspect(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f inspectFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, inspectUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one SRC, e.g. lading inspect oci-layout:out")
	}
	work, err := os.MkdirTemp("", "lading-inspect-*")
	if err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	defer os.RemoveAll(work)
	a, err := f.source.open(ctx, e, fs.Arg(0), work, stderr)
	if err != nil {
		return err
	}
	if f.config || f.raw {
		return f.print(a, stdout, nil)
	}
	attached, err := f.attached(ctx, e, fs.Arg(0), work, a, stderr)
	if err != nil {
		return err
	}
	return f.print(a, stdout, attached)
}

// attachedDoc is one document attached to the image or one of its
// manifests: an SBOM, a provenance or another OCI 1.1 artifact.
type attachedDoc struct {
	Subject      string `json:"subject"`
	ArtifactType string `json:"artifactType"`
	Digest       string `json:"digest"`
	Size         int64  `json:"size"`
}

// attached lists the documents attached to a and its manifests where src
// keeps them: a layout's or oci-archive's index.json, or the registry's
// referrers (API or tag fallback). A docker-archive holds none.
func (f inspectFlags) attached(ctx context.Context, e env, src, work string, a oci.Artifact, stderr io.Writer) ([]attachedDoc, error) {
	subjects, err := manifestDigests(a)
	if err != nil {
		return nil, err
	}
	at, err := f.source.attached(ctx, e, src, work, stderr)
	if err != nil {
		return nil, err
	}
	var out []attachedDoc
	for _, d := range subjects {
		descs, err := at.list(d, "")
		if err != nil {
			return nil, fmt.Errorf("list what is attached to %s: %w", d, err)
		}
		for _, desc := range descs {
			out = append(out, attachedDoc{Subject: d.String(), ArtifactType: desc.ArtifactType, Digest: desc.Digest.String(), Size: desc.Size})
		}
	}
	return out, nil
}

// print writes what the flags ask for about a.
func (f inspectFlags) print(a oci.Artifact, stdout io.Writer, attached []attachedDoc) error {
	switch {
	case f.config:
		return printConfig(a, stdout)
	case f.raw:
		raw, err := a.RawManifest()
		if err != nil {
			return fmt.Errorf("read manifest: %w", err)
		}
		_, err = stdout.Write(raw)
		return err
	}
	d, err := inspect.Describe(a)
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			inspect.Description
			Attached []attachedDoc `json:"attached"`
		}{d, append([]attachedDoc{}, attached...)})
	}
	if err := inspect.WriteText(stdout, d); err != nil {
		return err
	}
	for _, at := range attached {
		if _, err := fmt.Fprintf(stdout, "attached to %s: %s %s (%d bytes)\n", progress.Short(at.Subject), at.ArtifactType, at.Digest, at.Size); err != nil {
			return err
		}
	}
	return nil
}

// printConfig writes an image's config bytes as stored.
func printConfig(a oci.Artifact, stdout io.Writer) error {
	img, err := inspect.AsImage(a)
	if err != nil {
		return usagef("--config: %v", err)
	}
	raw, err := img.RawConfigFile()
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	_, err = stdout.Write(raw)
	return err
}

// flagSet declares every `lading inspect` flag, binding them to f.
func (f *inspectFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("inspect")
	f.source.add(fs)
	fs.BoolVar(&f.json, "json", false, "print the description as JSON, with stable keys, for scripts\n  e.g. --json | jq -r .config.digest")
	fs.BoolVar(&f.raw, "raw", false, "print the manifest or index bytes as stored\n  e.g. --raw | sha256sum")
	fs.BoolVar(&f.config, "config", false, "print the image's config bytes as stored (with or without --raw)\n  e.g. --raw --config | jq .config.Env")
	return fs
}
