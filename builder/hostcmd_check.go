package builder

import (
	"context"
	"fmt"
)

// RunCheck runs one spec check: c.Command in c.Dir with env.Base and then
// c.Env. A failing check returns a *CommandError (exit code, stderr tail)
// wrapped with the command.
func RunCheck(ctx context.Context, c SpecCheck, env HostEnv) error {
	hc := hostCmd{argv: c.Command, dir: c.Dir, env: mergeEnv(env.Base, envList(c.Env)), label: "check"}
	if err := env.run(ctx, hc); err != nil {
		return fmt.Errorf("check %s: %w", quoteArgv(c.Command), err)
	}
	return nil
}

// HostCheck is a spec check ready to run: the Check a Request holds.
type HostCheck struct {
	Spec SpecCheck
	Env  HostEnv
}

var _ Check = (*HostCheck)(nil)

// Run runs the check with RunCheck.
func (h HostCheck) Run(ctx context.Context) error { return RunCheck(ctx, h.Spec, h.Env) }
