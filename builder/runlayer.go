package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/lading-dev/lading/manifest"
)

// RunLayer is a host command run for each platform by RunCommand; what it
// leaves in $OUT becomes the layer at Dest. It is a spec's `run` layer.
type RunLayer struct {
	Command []string          // `command`, an argv list
	Env     map[string]string // `env`
	Dir     string            // `dir`, absolute; default the spec's directory
	Dest    string            // `dest`, an absolute image path
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
