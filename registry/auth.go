package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// fileKeychain finds credentials in docker's config.json and podman's
// auth.json (the same format), trying each file in order and, in each,
// the repository's key before the registry's. A file's credsStore and
// credHelpers run docker-credential-* helpers, as docker does.
//
// Unlike ggcr's authn.DefaultKeychain it reads no environment variable to
// find the files: cmd resolves $DOCKER_CONFIG, $REGISTRY_AUTH_FILE and
// $XDG_RUNTIME_DIR and passes the paths. (docker's configfile package
// itself still honours $DOCKER_AUTH_CONFIG, as docker does.)
type fileKeychain struct {
	paths []string
}

var _ authn.Keychain = (*fileKeychain)(nil)

// Resolve implements authn.Keychain. It returns authn.Anonymous, the exact
// value ggcr tests for, when no file has an entry.
func (k *fileKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	for _, p := range k.paths {
		cf, err := loadConfigFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		cfg, err := lookupAuth(cf, target)
		if err != nil {
			return nil, fmt.Errorf("read credentials for %s from %s: %w", target.RegistryStr(), p, err)
		}
		if cfg != (types.AuthConfig{}) {
			return authn.FromConfig(authn.AuthConfig{
				Username: cfg.Username, Password: cfg.Password, Auth: cfg.Auth,
				IdentityToken: cfg.IdentityToken, RegistryToken: cfg.RegistryToken,
			}), nil
		}
	}
	return authn.Anonymous, nil
}

// lookupAuth returns the entry for target's repository, else its registry
// (Docker Hub's is keyed https://index.docker.io/v1/), else nothing.
func lookupAuth(cf *configfile.ConfigFile, target authn.Resource) (types.AuthConfig, error) {
	for _, key := range []string{target.String(), target.RegistryStr()} {
		if key == name.DefaultRegistry {
			key = authn.DefaultAuthKey
		}
		cfg, err := cf.GetAuthConfig(key)
		if err != nil {
			return types.AuthConfig{}, err
		}
		cfg.ServerAddress = "" // set by GetAuthConfig; not a credential (ggcr #1510)
		if cfg != (types.AuthConfig{}) {
			return cfg, nil
		}
	}
	return types.AuthConfig{}, nil
}

// loadConfigFile parses a docker config.json or podman auth.json.
func loadConfigFile(path string) (*configfile.ConfigFile, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	defer f.Close()
	cf, err := config.LoadFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("parse credentials file %s: %w", path, err)
	}
	cf.Filename = path
	return cf, nil
}
