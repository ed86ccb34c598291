package main

import (
	"fmt"
	"io"

	"github.com/lading-dev/lading/registry"
)

const logoutUsage = `Usage: lading logout REGISTRY

Removes REGISTRY's credentials from docker's config.json ($DOCKER_CONFIG/
config.json, else ~/.docker/config.json), and from the credential helper it
names for REGISTRY, as docker logout does. A scheme and path are dropped
(https://registry.example/v2/ is registry.example).

Flags:
`

// runLogout implements `lading logout`.
func runLogout(args []string, e env, stdout io.Writer) error {
	fs := newFlagSet("logout")
	if err := parseFlags(fs, args, logoutUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one REGISTRY, e.g. lading logout registry.example")
	}
	config, err := dockerConfigFile(e)
	if err != nil {
		return err
	}
	host := registryHost(fs.Arg(0))
	removed, err := registry.RemoveLogin(config, host)
	if err != nil {
		return err
	}
	if !removed {
		fmt.Fprintf(stdout, "Not logged in to %s\n", host)
		return nil
	}
	fmt.Fprintf(stdout, "Removed login credentials for %s\n", host)
	return nil
}
