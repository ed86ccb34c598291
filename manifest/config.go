package manifest

import (
	"maps"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Patch is what a build changes in the base image's runtime config. Nil and
// empty fields leave the base's value alone, except as noted.
type Patch struct {
	// Entrypoint and Cmd replace the base's when non-nil (an empty, non-nil
	// slice clears it). Setting Entrypoint without Cmd clears the base's Cmd,
	// as docker does: the old Cmd was arguments for the old Entrypoint.
	Entrypoint, Cmd []string
	// Env holds KEY=VALUE pairs; a key the base has is replaced in place,
	// new keys are appended in the given order.
	Env        []string
	WorkingDir string
	User       string
	StopSignal string
	// Labels are merged into the base's.
	Labels map[string]string
	// ExposedPorts ("8080/tcp") and Volumes ("/data") are added to the base's.
	ExposedPorts []string
	Volumes      []string
}

// Apply returns cfg with the patch applied; cfg itself is not modified.
func (p Patch) Apply(cfg v1.Config) v1.Config {
	out := *cfg.DeepCopy()
	if p.Entrypoint != nil {
		out.Entrypoint = slices.Clone(p.Entrypoint)
		out.Cmd = nil
	}
	if p.Cmd != nil {
		out.Cmd = slices.Clone(p.Cmd)
	}
	out.Env = MergeEnv(out.Env, p.Env)
	setIf(&out.WorkingDir, p.WorkingDir)
	setIf(&out.User, p.User)
	setIf(&out.StopSignal, p.StopSignal)
	if len(p.Labels) > 0 {
		if out.Labels == nil {
			out.Labels = map[string]string{}
		}
		maps.Copy(out.Labels, p.Labels)
	}
	out.ExposedPorts = addKeys(out.ExposedPorts, p.ExposedPorts)
	out.Volumes = addKeys(out.Volumes, p.Volumes)
	return out
}

// MergeEnv returns base with each later list's KEY=VALUE variables
// replacing or added after it: one entry per name, in first-seen order. It
// is the one merge of environments: image configs (a patch over a base
// config) and host commands (a layer's env over the process's) alike.
func MergeEnv(base []string, more ...[]string) []string {
	var out []string
	at := map[string]int{}
	for _, list := range append([][]string{base}, more...) {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := at[k]; ok {
				out[i] = kv
				continue
			}
			at[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// addKeys adds each key to a JSON set (map to empty struct).
func addKeys(set map[string]struct{}, keys []string) map[string]struct{} {
	if len(keys) == 0 {
		return set
	}
	if set == nil {
		set = map[string]struct{}{}
	}
	for _, k := range keys {
		set[k] = struct{}{}
	}
	return set
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// Then returns p followed by q: q's entrypoint, cmd, workdir, user and stop
// signal win where set; env, labels, ports and volumes accumulate, q's
// values replacing p's for the same key. Used to lay CLI flags over a spec.
func (p Patch) Then(q Patch) Patch {
	out := p
	if q.Entrypoint != nil {
		out.Entrypoint = q.Entrypoint
		if q.Cmd == nil {
			out.Cmd = nil
		}
	}
	if q.Cmd != nil {
		out.Cmd = q.Cmd
	}
	out.Env = append(slices.Clone(p.Env), q.Env...)
	setIf(&out.WorkingDir, q.WorkingDir)
	setIf(&out.User, q.User)
	setIf(&out.StopSignal, q.StopSignal)
	if len(q.Labels) > 0 {
		out.Labels = maps.Clone(p.Labels)
		if out.Labels == nil {
			out.Labels = map[string]string{}
		}
		maps.Copy(out.Labels, q.Labels)
	}
	out.ExposedPorts = append(slices.Clone(p.ExposedPorts), q.ExposedPorts...)
	out.Volumes = append(slices.Clone(p.Volumes), q.Volumes...)
	return out
}
