package builder

// Request returns the build request the spec describes. env is what host
// commands and go build start from (cmd passes the process environment
// and its logger). The caller adds what the spec does not say: outputs,
// epoch, work dir, and any CLI flags laid over it.
func (s *Spec) Request(env HostEnv) Request {
	req := Request{
		Base:         s.Base,
		Platforms:    s.Platforms,
		AllPlatforms: s.AllPlatforms,
		Config:       s.Config.Patch(),
		Annotations:  s.Annotations,
		Tags:         s.Tags,
	}
	for _, l := range s.Layers {
		req.Layers = append(req.Layers, l.layer(env))
	}
	for _, c := range s.Checks {
		req.Checks = append(req.Checks, &HostCheck{Spec: c, Env: env})
	}
	return req
}

// layer converts one spec layer.
func (l SpecLayer) layer(env HostEnv) Layer {
	out := Layer{Name: l.Name}
	switch {
	case l.Files != nil:
		f := l.Files
		out.Files = []Files{{Src: f.Src, Dest: f.Dest, Mode: f.Mode, ModeSet: f.ModeSet,
			UID: f.UID, GID: f.GID, Exclude: f.Exclude, FollowSymlinks: f.FollowSymlinks}}
	case l.Go != nil:
		out.Produce = &GoProducer{Name: l.Name, Layer: *l.Go, Env: GoEnv{HostEnv: env}}
	case l.Run != nil:
		out.Produce = &RunProducer{Name: l.Name, Layer: *l.Run, Env: env}
	}
	return out
}
