package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/registry/inspect"
)

// diffFlags is the CLI's plain config for `lading diff`.
type diffFlags struct {
	source sourceFlags
	json   bool
}

// errDifferent is what runDiff returns when A and B differ: exit 1,
// with nothing more on stderr.
var errDifferent = errors.New("the images differ")

const diffUsage = `Usage: lading diff [flags] A B

Says why two images or indexes have different digests, one line per
difference on stdout, as a person reads it, top down: an index's entries
matched by platform ("platform linux/arm64: removed sha256:…"), each pair of
manifests and configs field by field ("config.Env[1]: \"A=1\" → \"A=2\""),
then each pair of layers by position, tar entry by entry: added and removed
entries, and an entry's type, mode, uid, gid, size, mtime, link target and
content (the sha256 of its bytes):
  linux/amd64: layer 2: /usr/local/bin/app: mode 0755 → 0700
Layers with the same digest are not opened; the others stream, are checked
against their digests as they are read and are never held in memory.

A and B are sources as for lading inspect (the two may be of different
kinds); with --platform, the image for that platform of each is compared.

` + sourceHelp + `
Exit codes: 0 identical (nothing printed), 1 different, 2 error.

Examples:
  lading diff oci-layout:one:v1 oci-layout:two:v1
  lading diff --platform linux/arm64 registry.example/app:v1 app.oci.tar
  lading diff --json a.docker.tar b.docker.tar | jq -r '.changes[].path'

Flags:
`

// runDiff implements `lading diff`; it returns errDifferent when A and B
// differ.
func runDiff(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f diffFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, diffUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("want A and B, e.g. lading diff oci-layout:one oci-layout:two")
	}
	changes, err := f.compare(ctx, e, fs.Arg(0), fs.Arg(1), stderr)
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		err = enc.Encode(struct {
			Changes []inspect.Change `json:"changes"`
		}{append([]inspect.Change{}, changes...)})
	} else {
		err = inspect.WriteChanges(stdout, changes)
	}
	if err == nil && len(changes) > 0 {
		err = errDifferent
	}
	return err
}

// compare opens A and B and lists their differences.
func (f diffFlags) compare(ctx context.Context, e env, a, b string, stderr io.Writer) ([]inspect.Change, error) {
	work, err := os.MkdirTemp("", "lading-diff-*")
	if err != nil {
		return nil, fmt.Errorf("create work directory: %w", err)
	}
	defer os.RemoveAll(work)
	da, err := f.source.open(ctx, e, a, work, stderr)
	if err != nil {
		return nil, err
	}
	db, err := f.source.open(ctx, e, b, work, stderr)
	if err != nil {
		return nil, err
	}
	return inspect.Diff(da, db)
}

// diffExit maps how lading diff ended to its exit code: 0 identical, 1
// different, 2 for any error (usage or not), 130 interrupted.
func diffExit(ctx context.Context, err error, stderr io.Writer) int {
	if errors.Is(err, errDifferent) {
		return exitBuild
	}
	if code := exitCode(ctx, err, "diff", stderr); code != exitBuild {
		return code
	}
	return exitUsage
}

// flagSet declares every `lading diff` flag, binding them to f.
func (f *diffFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("diff")
	f.source.add(fs)
	fs.BoolVar(&f.json, "json", false, "print {\"changes\": [{platform, layer, path, field, a, b}, …]} with stable keys, for scripts\n  e.g. --json | jq '.changes | length'")
	return fs
}
