package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// stdoutPath is the output path that means stdout; ./- names a file.
const stdoutPath = "-"

// streams points the archive outputs named "-" at stdout and reports
// whether stdout carries a stream (one of them, or the metadata file). At
// most one may be "-": stdout then carries only that stream's bytes.
func (f *buildFlags) streams(outs []builder.Output, stdout io.Writer) (bool, error) {
	var named []string
	for i := range outs {
		if outs[i].Path == stdoutPath {
			outs[i].To = stdout
			named = append(named, "--"+string(outs[i].Kind)+" -")
		}
	}
	if f.metadataFile == stdoutPath {
		named = append(named, "--metadata-file -")
	}
	if len(named) > 1 {
		return true, usagef("%s: only one output may be - (stdout carries one stream); write the others to files", strings.Join(named, ", "))
	}
	return len(named) == 1, nil
}

// checkOutputs refuses, before any build work, an output or metadata file
// that cannot be written, naming the flag, the path and what to do.
func (f *buildFlags) checkOutputs(outs []builder.Output) error {
	if err := builder.CheckOutputs(outs); err != nil {
		var oe *builder.OutputError
		if errors.As(err, &oe) {
			return usagef("--%s %s: %w%s", oe.Output.Kind, oe.Output.Path, oe.Err, stdoutHint(oe.Err, string(oe.Output.Kind)))
		}
		return err
	}
	if f.metadataFile == "" || f.metadataFile == stdoutPath {
		return nil
	}
	if err := atomicfile.CheckFile(f.metadataFile); err != nil {
		return usagef("--metadata-file %s: %w%s", f.metadataFile, err, stdoutHint(err, "metadata-file"))
	}
	return nil
}

// stdoutHint tells a user who named a device or pipe how to write to stdout.
func stdoutHint(err error, flag string) string {
	if !errors.Is(err, atomicfile.ErrNotRegular) {
		return ""
	}
	return fmt.Sprintf(" (to write to stdout, give --%s -)", flag)
}

// writeMetadata writes the build result as indented JSON: to stdout for
// "-", else atomically to path.
func writeMetadata(path string, res *builder.Result, stdout io.Writer) error {
	if path != stdoutPath {
		atomicfile.RemoveStaleTemps(path) // left by a killed build
		return atomicfile.WriteJSON(path, 0o644, "  ", res)
	}
	raw, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode build metadata: %w", err)
	}
	_, err = stdout.Write(append(raw, '\n'))
	return err
}

// pathUse is one path a build reads or writes, as the user named it.
type pathUse struct {
	what string // "--oci-archive x.tar", "--add ./bin", …
	abs  string // cleaned and absolute
	dir  bool   // a directory a build reads or writes under
}

// checkCollisions refuses, before any build work, two outputs on one path
// (x.tar and ./x.tar included), an output on or under an input, and an
// input under an output: one would silently replace or read the other.
func (f *buildFlags) checkCollisions(req builder.Request) error {
	var outs, ins []pathUse
	for _, o := range req.Outputs {
		if o.Kind != builder.Registry && o.Path != stdoutPath {
			outs = append(outs, use("--"+string(o.Kind)+" "+o.Path, o.Path, o.Kind == builder.OCILayout))
		}
	}
	if f.metadataFile != "" && f.metadataFile != stdoutPath {
		outs = append(outs, use("--metadata-file "+f.metadataFile, f.metadataFile, false))
	}
	for _, l := range req.Layers {
		for _, fl := range l.Files {
			ins = append(ins, use("input "+fl.Src+" (layer "+l.Name+")", fl.Src, true))
		}
	}
	for i, a := range outs {
		for _, b := range outs[i+1:] {
			if a.abs == b.abs {
				return usagef("%s and %s name the same path %s: give each output its own", a.what, b.what, a.abs)
			}
		}
		for _, in := range ins {
			if overlaps(a, in) {
				return usagef("%s would be written on or inside %s (or the other way round): write outputs outside the inputs", a.what, in.what)
			}
		}
	}
	return nil
}

func use(what, p string, dir bool) pathUse {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = filepath.Clean(p)
	}
	return pathUse{what: what, abs: abs, dir: dir}
}

// overlaps reports whether out and in are one path, or one lies under the
// other where that one is a directory.
func overlaps(out, in pathUse) bool {
	under := func(p, dir string) bool { return strings.HasPrefix(p, dir+string(filepath.Separator)) }
	return out.abs == in.abs || (in.dir && under(out.abs, in.abs)) || (out.dir && under(in.abs, out.abs))
}
