package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Login checks user and password against registry, as `docker login` does
// (GET /v2/ with them, through a token exchange when the registry asks for
// one), and, once the registry has accepted them, stores them in the
// docker config file at configFile (see StoreLogin). Nothing is written
// when the check fails. Errors never contain the password.
func (c *Client) Login(ctx context.Context, registry, user, password, configFile string) error {
	reg, err := c.parseRegistry(registry)
	if err != nil {
		return err
	}
	if user == "" || password == "" {
		return fmt.Errorf("log in to %s: user name and password must not be empty", reg)
	}
	if err := c.VerifyLogin(ctx, reg, user, password); err != nil {
		return err
	}
	return StoreLogin(configFile, reg.RegistryStr(), user, password)
}

// VerifyLogin reports whether reg accepts user and password.
func (c *Client) VerifyLogin(ctx context.Context, reg name.Registry, user, password string) error {
	auth := authn.FromConfig(authn.AuthConfig{Username: user, Password: password})
	rt, err := transport.NewWithContext(ctx, reg, auth, c.base, nil)
	if err != nil {
		return c.loginError(reg, user, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("log in to %s: %w", reg, err)
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return c.loginError(reg, user, err)
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return c.loginError(reg, user, err)
	}
	return nil
}

// loginError explains a failed login; a 401 means wrong credentials.
func (c *Client) loginError(reg name.Registry, user string, err error) error {
	err = redactErr(err)
	if isContextError(err) {
		return err
	}
	var tlsErr *tlsError
	if errors.As(err, &tlsErr) {
		return fmt.Errorf("log in to %s: %w", reg, tlsErr)
	}
	var te *transport.Error
	if errors.As(err, &te) && te.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("log in to %s as %s: unauthorized: the registry rejected the user name or password: %w", reg, user, err)
	}
	return fmt.Errorf("log in to %s: %w", reg, err)
}

// parseRegistry parses HOST[:PORT]; a host named insecure may use HTTP.
func (c *Client) parseRegistry(s string) (name.Registry, error) {
	var opts []name.Option
	if c.insecure.has(s) {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(s, opts...)
	if err != nil {
		return name.Registry{}, fmt.Errorf("parse registry %q: %w", s, err)
	}
	return reg, nil
}
