package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// RunStep runs l's command once for platform p: in l.Dir, with env.Base,
// then l.Env, then TARGETPLATFORM (os/arch[/variant]), TARGETOS,
// TARGETARCH, TARGETVARIANT ("" when p has none) and OUT=outDir, which the
// caller created empty and owns. What the command leaves in outDir is the
// layer's content, placed under l.Dest. A command that fails returns a
// *CommandError (exit code, stderr tail) wrapped with the platform; when ctx
// ends, the command and its children are killed and the error wraps ctx's.
func RunStep(ctx context.Context, l RunLayer, p v1.Platform, outDir string, env HostEnv) error {
	out, err := filepath.Abs(outDir)
	if err != nil {
		return fmt.Errorf("resolve output directory: %w", err)
	}
	c := hostCmd{
		argv: l.Command, dir: l.Dir, label: "run " + platformString(p),
		env: mergeEnv(env.Base, envList(l.Env), targetEnv(p, out)),
	}
	if err := env.run(ctx, c); err != nil {
		return fmt.Errorf("run %s for %s: %w", quoteArgv(l.Command), platformString(p), err)
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) == 0 && env.Logger != nil {
		env.Logger.Warn("run step left $OUT empty", "command", quoteArgv(l.Command), "platform", platformString(p))
	}
	return nil
}

// targetEnv returns the variables a run step learns its platform from.
func targetEnv(p v1.Platform, out string) []string {
	return []string{
		"TARGETPLATFORM=" + platformString(p), "TARGETOS=" + p.OS,
		"TARGETARCH=" + p.Architecture, "TARGETVARIANT=" + p.Variant, "OUT=" + out,
	}
}

// RunProducer makes a run layer's content for each platform with RunStep.
type RunProducer struct {
	Name  string // the layer's name, for its history line
	Layer RunLayer
	Env   HostEnv
}

var _ Producer = (*RunProducer)(nil)

// Produce runs the step with OUT=dir and returns dir and the layer's dest.
func (r RunProducer) Produce(ctx context.Context, p v1.Platform, dir string) (string, string, error) {
	return dir, r.Layer.Dest, RunStep(ctx, r.Layer, p, dir, r.Env)
}

// Describe names the layer and its dest; not the command, which may hold
// host paths or expanded secrets.
func (r RunProducer) Describe() string {
	return "lading: run " + r.Name + " -> " + r.Layer.Dest
}
