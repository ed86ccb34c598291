package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/lading-dev/lading/registry"
	"github.com/spf13/pflag"
)

const loginUsage = `Usage: lading login [flags] REGISTRY -u USER --password-stdin

Checks USER and the password read from stdin against REGISTRY (HOST[:PORT];
a scheme and path, as in https://registry.example/v2/, are dropped as docker
does), as docker login does, and stores them in docker's config.json
($DOCKER_CONFIG/config.json, else ~/.docker/config.json) the way docker
login does: as auths[REGISTRY].auth, or through the credential helper the
file names. The file is replaced atomically, mode 0600; nothing is written
when the registry rejects the credentials. The password is never taken on
the command line, where other users could read it: without --password-stdin,
lading asks for it on a terminal, without echo (and for -u when missing).

Example:
  echo "$TOKEN" | lading login registry.example -u ci --password-stdin

Flags:
`

// maxPassword bounds what is read from stdin for a password or token.
const maxPassword = 64 << 10

// loginFlags is the CLI's plain config for `lading login`.
type loginFlags struct {
	remote        remoteFlags
	user          string
	passwordStdin bool
}

// flagSet declares every `lading login` flag, binding them to f.
func (f *loginFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("login")
	fs.StringVarP(&f.user, "username", "u", "", "user name\n  e.g. -u ci")
	fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password (or token) from stdin")
	f.remote.addTLS(fs)
	return fs
}

// runLogin implements `lading login`; the password comes from stdin.
func runLogin(ctx context.Context, args []string, e env, stdin io.Reader, stdout, stderr io.Writer) error {
	var f loginFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, loginUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one REGISTRY, e.g. lading login registry.example -u USER --password-stdin")
	}
	user, password, err := credentials(e, stdin, f.user, f.passwordStdin)
	if err != nil {
		return err
	}
	config, err := dockerConfigFile(e)
	if err != nil {
		return err
	}
	f.remote.progress = "none"
	f.remote.pushJobs = 1
	client, err := f.remote.client(e, stderr, newLogger(stderr, false))
	if err != nil {
		return err
	}
	if err := client.Login(ctx, registryHost(fs.Arg(0)), user, password, config); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Login Succeeded")
	return nil
}

// credentials returns the user and password: from the flags and stdin, or
// asked for on a terminal.
func credentials(e env, stdin io.Reader, user string, passwordStdin bool) (string, string, error) {
	var err error
	if user == "" && e.prompt != nil && !passwordStdin {
		if user, err = e.prompt("Username: ", false); err != nil {
			return "", "", err
		}
	}
	switch {
	case user == "":
		return "", "", usagef("-u USER is required")
	case passwordStdin:
		password, err := readPassword(stdin)
		return user, password, err
	case e.prompt == nil:
		return "", "", usagef("--password-stdin is required when stdin is not a terminal: lading reads the password from stdin, never from the command line")
	}
	password, err := e.prompt("Password: ", true)
	if err == nil && password == "" {
		err = usagef("no password given")
	}
	return user, password, err
}

// registryHost is REGISTRY as docker reads it: without a scheme or a path
// (https://registry.example/v2/ is registry.example).
func registryHost(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	host, _, _ := strings.Cut(s, "/")
	return host
}

// readPassword reads a password from r, without its trailing newline.
func readPassword(r io.Reader) (string, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxPassword))
	if err != nil {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	p := strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r")
	if p == "" {
		return "", usagef("--password-stdin: stdin held no password")
	}
	return p, nil
}

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
