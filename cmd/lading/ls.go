package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/registry/inspect"
)

// lsFlags is the CLI's plain config for `lading ls`.
type lsFlags struct {
	source sourceFlags
	layer  int
	json   bool
}

const lsUsage = `Usage: lading ls [flags] SRC [PATH]

Lists the file tree of the image in SRC on stdout, as ls -l would: mode,
uid:gid, size, mtime (UTC), the layer the entry comes from (numbered from
1, bottom first), path, and a link's target ("-> T" for a symlink, "link
to T" for a hard link). The tree is every layer laid over the ones below
with whiteouts applied, sorted by path; PATH keeps only that path and what
lies below it. --layer N lists layer N's entries as stored, whiteouts
included, in tar order.

Layers stream one at a time (none is held in memory) and each is checked
against its digest, size and diffID as it is read; nothing is printed
unless they all match. An index needs --platform.

` + sourceHelp + `
Exit codes: 0 success, 1 error, 2 usage error.

Examples:
  lading ls oci-layout:out:v1 /usr/local/bin
  lading ls --platform linux/arm64 --layer 2 registry.example/web/app:v1
  lading ls --json app.docker.tar | jq -r '.[] | select(.mode >= 2048) | .path'

Flags:
`

// runLs implements `lading ls`.
func runLs(ctx context.Context, args []string, e env, stdout, stderr io.Writer) error {
	var f lsFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, lsUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 || f.layer < 0 {
		return usagef("want SRC and at most one PATH, and --layer 1 or more, e.g. lading ls oci-layout:out /usr")
	}
	work, err := os.MkdirTemp("", "lading-ls-*")
	if err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	defer os.RemoveAll(work)
	files, err := f.list(ctx, e, fs.Arg(0), work, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() == 2 {
		files = inspect.Under(files, path.Join("/", fs.Arg(1)))
	}
	if f.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(append([]inspect.File{}, files...))
	}
	return inspect.WriteFiles(stdout, files)
}

// list reads the merged tree of src, or its layer --layer.
func (f lsFlags) list(ctx context.Context, e env, src, work string, stderr io.Writer) ([]inspect.File, error) {
	a, err := f.source.open(ctx, e, src, work, stderr)
	if err != nil {
		return nil, err
	}
	img, err := inspect.AsImage(a)
	if err != nil {
		return nil, usagef("%s: %v", src, err)
	}
	var files []inspect.File
	if f.layer > 0 {
		files, err = inspect.LayerFiles(img, f.layer)
	} else {
		files, err = inspect.Tree(img)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return files, nil
}

// flagSet declares every `lading ls` flag, binding them to f.
func (f *lsFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("ls")
	f.source.add(fs)
	fs.IntVar(&f.layer, "layer", 0, "list layer N's entries as stored, whiteouts included (from 1, bottom first)\n  e.g. --layer 2")
	fs.BoolVar(&f.json, "json", false, "print the entries as a JSON array, with stable keys, for scripts\n  e.g. --json | jq -r '.[].path'")
	return fs
}
