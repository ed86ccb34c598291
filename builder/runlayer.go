package builder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/layer"
	"github.com/lading-dev/lading/layer/atomicfile"
	"github.com/lading-dev/lading/manifest"
	"github.com/moby/patternmatcher"
)

// RunLayer is a host command run for each platform by RunCommand; what it
// leaves in $OUT becomes the layer at Dest. It is a spec's `run` layer.
type RunLayer struct {
	Command []string          // `command`, an argv list
	Env     map[string]string // `env`
	Dir     string            // `dir`, absolute; default the spec's directory
	Dest    string            // `dest`, an absolute image path
	// Inputs are .dockerignore-style patterns, relative to InputsDir, for
	// the files the command reads (`inputs`). With a layer cache, the
	// command is skipped when they, the command, its env, dir and dest and
	// the platform are unchanged since a run whose output the cache kept.
	Inputs []string
	// InputsDir is what Inputs are relative to: the spec's directory.
	InputsDir string
}

// make runs the command with OUT=dir and returns dir.
func (l *RunLayer) make(ctx context.Context, p v1.Platform, dir string, env HostEnv) (string, error) {
	return dir, RunCommand(ctx, *l, p, dir, env)
}

// describe names the layer and its dest; not the command, which may hold
// host paths or expanded secrets.
func (l *RunLayer) describe(name string) string {
	return "lading: run " + name + " -> " + l.Dest
}

// RunCommand runs l's command once for platform p: in l.Dir, with env.Base,
// then l.Env, then TARGETPLATFORM (os/arch[/variant]), TARGETOS,
// TARGETARCH, TARGETVARIANT ("" when p has none) and OUT=outDir, which the
// caller created empty and owns. What the command leaves in outDir is the
// layer's content, placed under l.Dest. A command that fails returns a
// *CommandError (exit code, stderr tail) wrapped with the platform; when ctx
// ends, the command and its children are killed and the error wraps ctx's.
func RunCommand(ctx context.Context, l RunLayer, p v1.Platform, outDir string, env HostEnv) error {
	out, err := filepath.Abs(outDir)
	if err != nil {
		return fmt.Errorf("resolve output directory: %w", err)
	}
	c := hostCmd{
		argv: l.Command, dir: l.Dir, label: "run " + platformString(p),
		env: manifest.MergeEnv(env.Base, EnvList(l.Env), targetEnv(p, out)),
	}
	if err := env.run(ctx, c); err != nil {
		return fmt.Errorf("run %s for %s: %w", quoteArgv(l.Command), platformString(p), err)
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) == 0 && env.Logger != nil {
		env.Logger.Warn("run layer left $OUT empty", "command", quoteArgv(l.Command), "platform", platformString(p))
	}
	return nil
}

// targetEnv returns the variables a run layer learns its platform from.
func targetEnv(p v1.Platform, out string) []string {
	return []string{
		"TARGETPLATFORM=" + platformString(p), "TARGETOS=" + p.OS,
		"TARGETARCH=" + p.Architecture, "TARGETVARIANT=" + p.Variant, "OUT=" + out,
	}
}

// runWithInputs gives a run layer with inputs its output for p from the
// layer cache's runs directory: the output kept by an earlier run with the
// same key, when it still has the digest recorded beside it, or a fresh
// run's, which is then kept (renamed in whole, so a concurrent build sees
// all of it or none).
func (r *build) runWithInputs(ctx context.Context, l Layer, p v1.Platform) (string, error) {
	sums := r.req.LayerCache.Sums()
	key, err := l.Run.inputsKey(p, sums)
	if err != nil {
		return "", fmt.Errorf("run %s inputs: %w", quoteArgv(l.Run.Command), err)
	}
	runs := filepath.Join(r.req.LayerCache.Dir(), "runs")
	dir := filepath.Join(runs, key)
	if err := keptOutput(dir, sums); err == nil {
		r.req.Logger.Info("run layer skipped: inputs unchanged", "layer", l.Name, "platform", p.String())
		now := time.Now()
		return dir, os.Chtimes(dir, now, now) // last use, for lading cache prune
	} else if !errors.Is(err, fs.ErrNotExist) {
		r.req.Logger.Warn("discarding a corrupt kept run output; the command runs again", "layer", l.Name, "err", err)
		os.RemoveAll(dir)
	}
	return keepRun(ctx, l.Run, p, runs, key, r.req.Host)
}

// keepRun runs the command into a new directory under runs and keeps its
// output as runs/key, with its digest beside it in runs/key.sum.
func keepRun(ctx context.Context, l *RunLayer, p v1.Platform, runs, key string, host HostEnv) (string, error) {
	if err := os.MkdirAll(runs, 0o755); err != nil {
		return "", fmt.Errorf("create run output directory: %w", err)
	}
	tmp, err := os.MkdirTemp(runs, key+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create run output directory: %w", err)
	}
	if _, err := l.make(ctx, p, tmp, host); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	sum, err := treeDigest(tmp, nil)
	if err == nil {
		err = atomicfile.Write(filepath.Join(runs, key+".sum"), 0o644, func(w io.Writer) error {
			_, err := io.WriteString(w, sum)
			return err
		})
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("keep run output: %w", err)
	}
	dir := filepath.Join(runs, key)
	if os.Rename(tmp, dir) == nil {
		return dir, nil
	}
	// Another build kept this key's output first: use it if it is whole
	// (its output and ours may differ only if the command is not
	// reproducible; either is a run of it), else replace it with ours.
	if keptOutput(dir, nil) == nil {
		os.RemoveAll(tmp)
		return dir, nil
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("keep run output: %w", err)
	}
	return dir, nil
}

// keptOutput checks that a kept run output is whole: its tree has the
// digest recorded when it was kept. fs.ErrNotExist means none was kept.
func keptOutput(dir string, sums *layer.Sums) error {
	want, err := os.ReadFile(dir + ".sum")
	if err != nil {
		return err
	}
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	got, err := treeDigest(dir, sums)
	if err != nil {
		return err
	}
	if got != string(want) {
		return fmt.Errorf("kept output %s has digest %s, recorded %s", dir, got, want)
	}
	return nil
}

// treeDigest is the sha256 of a directory tree as a layer would see it:
// each entry's path, type, permission bits, and a file's content digest or
// a link's target, in walk (lexical) order.
func treeDigest(dir string, sums *layer.Sums) (string, error) {
	if sums == nil {
		sums = layer.NewSums()
	}
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%q %v ", rel, info.Mode())
		switch {
		case info.Mode().IsRegular():
			d, err := sums.Digest(p)
			if err != nil {
				return err
			}
			io.WriteString(h, d.Hex)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%q", target)
		}
		_, err = io.WriteString(h, "\x00")
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// inputsKey is the sha256 of everything that decides a run layer's output
// for p, as far as lading can know: the command, its env, dir and dest, the
// platform, and each input file's path and content. lading's own
// environment is not part of it: a command that depends on a variable should
// set it in env.
func (l *RunLayer) inputsKey(p v1.Platform, sums *layer.Sums) (string, error) {
	files, err := matchInputs(l.InputsDir, l.Inputs)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "run\x00%q\x00%q\x00%q\x00%q\x00%s\x00", l.Command, EnvList(l.Env), l.Dir, l.Dest, p.String())
	for _, f := range files {
		d, err := sums.Digest(filepath.Join(l.InputsDir, f))
		if err != nil {
			return "", err
		}
		io.WriteString(h, fmt.Sprintf("%q %s\x00", f, d.Hex))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// matchInputs lists the regular files under dir (relative, slash-separated,
// sorted) that patterns select; a pattern that selects nothing is an error,
// since it is almost always a typo that would make the cache lie.
func matchInputs(dir string, patterns []string) ([]string, error) {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if ok, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel)); err != nil || !ok {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inputs under %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, errors.New("inputs: the patterns " + fmt.Sprintf("%q", patterns) + " match no file under " + dir)
	}
	slices.Sort(files)
	return files, nil
}
