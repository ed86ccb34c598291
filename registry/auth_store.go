package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// StoreLogin records user and password for registry (HOST[:PORT]) in the
// docker config file at path the way `docker login` does: under
// auths[registry] as {"auth": base64(user:password)} (Docker Hub's key is
// https://index.docker.io/v1/), or through the credential helper the file
// names for that registry, leaving an empty auths entry. Every other key
// of the file is kept as it was. The file is replaced atomically, mode
// 0600, its directory created 0700 if missing.
func StoreLogin(path, registry, user, password string) error {
	key := registry
	if key == name.DefaultRegistry || key == "docker.io" {
		key = authn.DefaultAuthKey
	}
	doc, err := readConfigDoc(path)
	if err != nil {
		return err
	}
	entry := map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
	if stored, err := storeInHelper(path, key, user, password); err != nil {
		return fmt.Errorf("store credentials for %s: %w", registry, err)
	} else if stored {
		entry = map[string]string{}
	}
	auths, err := authsOf(doc, path)
	if err != nil {
		return err
	}
	if auths[key], err = json.Marshal(entry); err != nil {
		return err
	}
	if doc["auths"], err = json.Marshal(auths); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	return atomicfile.WriteJSON(path, 0o600, "\t", doc)
}

// authsOf returns the config document's "auths" object, empty when absent.
func authsOf(doc map[string]json.RawMessage, path string) (map[string]json.RawMessage, error) {
	auths := map[string]json.RawMessage{}
	if raw, ok := doc["auths"]; ok {
		if err := json.Unmarshal(raw, &auths); err != nil {
			return nil, fmt.Errorf("parse %s: \"auths\" is not an object: %w", path, err)
		}
	}
	return auths, nil
}

// readConfigDoc reads the config file's top-level keys, or none if it
// does not exist yet.
func readConfigDoc(path string) (map[string]json.RawMessage, error) {
	doc := map[string]json.RawMessage{}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return doc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read docker config: %w", err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse docker config %s: %w", path, err)
	}
	return doc, nil
}

// storeInHelper hands the credentials to the credential helper the config
// file names for key (credHelpers, else credsStore), if it names one.
func storeInHelper(path, key, user, password string) (bool, error) {
	cf, err := loadConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if cf.CredentialHelpers[key] == "" && cf.CredentialsStore == "" {
		return false, nil
	}
	ac := types.AuthConfig{Username: user, Password: password, ServerAddress: key}
	return true, cf.GetCredentialsStore(key).Store(ac)
}

// RemoveLogin deletes registry's credentials from the docker config file at
// path, and from the credential helper the file names for it, as docker
// logout does. It reports whether any were stored; the file is rewritten
// atomically only when it held an entry.
func RemoveLogin(path, registry string) (bool, error) {
	key := registry
	if key == name.DefaultRegistry || key == "docker.io" {
		key = authn.DefaultAuthKey
	}
	erased, err := eraseInHelper(path, key)
	if err != nil {
		return false, fmt.Errorf("remove credentials for %s: %w", registry, err)
	}
	doc, err := readConfigDoc(path)
	if err != nil {
		return false, err
	}
	auths, err := authsOf(doc, path)
	if err != nil {
		return false, err
	}
	if _, ok := auths[key]; !ok {
		return erased, nil
	}
	delete(auths, key)
	if doc["auths"], err = json.Marshal(auths); err != nil {
		return false, err
	}
	return true, atomicfile.WriteJSON(path, 0o600, "\t", doc)
}

// eraseInHelper removes key from the credential helper the config file
// names for it, if it names one; a helper that holds nothing for key is
// not an error.
func eraseInHelper(path, key string) (bool, error) {
	cf, err := loadConfigFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if cf.CredentialHelpers[key] == "" && cf.CredentialsStore == "" {
		return false, nil
	}
	store := cf.GetCredentialsStore(key)
	if ac, err := store.Get(key); err != nil || ac.Username == "" && ac.Password == "" && ac.IdentityToken == "" {
		return false, nil
	}
	return true, store.Erase(key)
}
