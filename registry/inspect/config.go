package inspect

import (
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Config is the part of an image config a person runs the image by.
type Config struct {
	Digest     string            `json:"digest"` // the image ID
	Created    string            `json:"created,omitempty"`
	Entrypoint []string          `json:"entrypoint,omitempty"`
	Cmd        []string          `json:"cmd,omitempty"`
	Env        []string          `json:"env,omitempty"`
	User       string            `json:"user,omitempty"`
	WorkingDir string            `json:"workingDir,omitempty"`
	Ports      []string          `json:"ports,omitempty"` // sorted
	Labels     map[string]string `json:"labels,omitempty"`
}

// newConfig picks the runtime fields of cf.
func newConfig(digest v1.Hash, cf *v1.ConfigFile) *Config {
	c := cf.Config
	out := &Config{Digest: digest.String(), Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env,
		User: c.User, WorkingDir: c.WorkingDir, Labels: c.Labels}
	if !cf.Created.IsZero() {
		out.Created = cf.Created.UTC().Format(time.RFC3339)
	}
	for p := range c.ExposedPorts {
		out.Ports = append(out.Ports, p)
	}
	slices.Sort(out.Ports)
	return out
}
