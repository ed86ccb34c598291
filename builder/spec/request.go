package spec

import "github.com/lading-dev/lading/builder"

// Request returns the build request the spec describes: the spec
// language's one way into the builder. env is what host commands and go
// build start from (cmd passes the process environment and its logger). The
// caller adds what the spec does not say: outputs, epoch, work dir, and any
// CLI flags laid over it.
func (s *Spec) Request(env builder.HostEnv) builder.Request {
	req := builder.Request{
		Base:         s.Base,
		Platforms:    s.Platforms,
		AllPlatforms: s.AllPlatforms,
		Config:       s.Config.Patch(),
		Annotations:  s.Annotations,
		Tags:         s.Tags,
		Host:         env,
	}
	for _, l := range s.Layers {
		out := builder.Layer{Name: l.Name, Go: l.Go, Run: l.Run}
		if l.Files != nil {
			out.Files = []builder.Files{*l.Files}
		}
		req.Layers = append(req.Layers, out)
	}
	for _, c := range s.Checks {
		req.Checks = append(req.Checks, &builder.HostCheck{Command: c, Env: env})
	}
	return req
}
