package builder

import (
	"context"
	"fmt"

	"github.com/lading-dev/lading/manifest"
)

// CheckCommand is a host command run before any output is written: a spec's
// `checks` entry.
type CheckCommand struct {
	Command []string          // `command`, an argv list
	Env     map[string]string // `env`
	Dir     string            // `dir`, absolute; default the spec's directory
	Line    int               // where the check starts in the spec
}

// RunCheck runs one check: c.Command in c.Dir with env.Base and then c.Env.
// A failing check returns a *CommandError (exit code, stderr tail) wrapped
// with the command.
func RunCheck(ctx context.Context, c CheckCommand, env HostEnv) error {
	hc := hostCmd{argv: c.Command, dir: c.Dir, env: manifest.MergeEnv(env.Base, EnvList(c.Env)), label: "check"}
	if err := env.run(ctx, hc); err != nil {
		return fmt.Errorf("check %s: %w", quoteArgv(c.Command), err)
	}
	return nil
}

// HostCheck is a check command ready to run: the Check a Request holds.
type HostCheck struct {
	Command CheckCommand
	Env     HostEnv
}

var _ Check = (*HostCheck)(nil)

// Run runs the check with RunCheck.
func (h HostCheck) Run(ctx context.Context) error { return RunCheck(ctx, h.Command, h.Env) }
