package main

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/registry"
	"github.com/lading-dev/lading/registry/cacherepo"
)

// The registry client pulls bases as well as pushing, so builds can use it.
var _ builder.Fetcher = (*registry.Client)(nil)

// A cache repository is the build's shared layer cache tier.
var _ builder.SharedCache = (*cacherepo.Repo)(nil)

// remoteFlags configure the registry client: the plain config of `lading
// push` and `lading login` (and of `lading build --push`), converted once
// by client().
type remoteFlags struct {
	registryCAs []string
	insecure    []string
	pushJobs    int
	retries     int
	pushTimeout time.Duration
	progress    string
}

// addTLS declares the flags every registry command has.
func (f *remoteFlags) addTLS(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.registryCAs, "registry-ca", nil, "trust the CA certificates in PEM FILE for registries, besides the system's and $SSL_CERT_FILE (repeatable)\n  e.g. --registry-ca ./ca.pem")
	fs.StringArrayVar(&f.insecure, "insecure-registry", nil, "allow plain HTTP and unverified TLS for HOST[:PORT] (repeatable); loopback may use plain HTTP without credentials anyway\n  e.g. --insecure-registry registry.local:5000")
}

// addPush declares the flags of commands that push.
func (f *remoteFlags) addPush(fs *pflag.FlagSet) {
	fs.IntVar(&f.pushJobs, "push-jobs", registry.DefaultPushJobs, "blobs uploaded at once\n  e.g. --push-jobs 8")
	fs.IntVar(&f.retries, "retries", registry.DefaultRetries, "retries of each failed request (an upload restarts in a new session)\n  e.g. --retries 10")
	fs.DurationVar(&f.pushTimeout, "push-timeout", 0, "give up a push after this long, retries included (default: no limit)\n  e.g. --push-timeout 30m")
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr: auto (tty on a terminal, else plain), tty (a live view redrawn in place: one line per step\n  with its state and time), plain (one line per finished step, no escape codes) or none (warnings and errors only);\n  --log-format text|json prints raw events instead\n  e.g. --progress plain")
}

// client builds the registry client from the flags and the environment:
// docker's and podman's credential files, SSL_CERT_FILE and the proxy
// variables, all read here and nowhere below.
func (f *remoteFlags) client(e env, stderr io.Writer, logger *slog.Logger) (*registry.Client, error) {
	if f.pushJobs < 1 {
		return nil, usagef("--push-jobs %d: want 1 or more", f.pushJobs)
	}
	if f.retries < 0 || f.pushTimeout < 0 {
		return nil, usagef("--retries and --push-timeout must not be negative")
	}
	opts := []registry.ClientOption{
		registry.WithAuthFiles(authFiles(e)...),
		registry.WithCAFiles(caFiles(e, f.registryCAs)...),
		registry.WithInsecureRegistries(f.insecure...),
		registry.WithProxy(http.ProxyFromEnvironment),
		registry.WithRetries(f.retries),
		registry.WithPushJobs(f.pushJobs),
		registry.WithPushTimeout(f.pushTimeout),
	}
	switch f.progress {
	case "auto", "":
		opts = append(opts, registry.WithLogger(logger))
		if isTerminal(stderr) {
			opts = append(opts, registry.WithProgressInterval(time.Second))
		}
	case "tty":
		opts = append(opts, registry.WithLogger(logger), registry.WithProgressInterval(time.Second/4))
	case "plain", "none":
		opts = append(opts, registry.WithLogger(logger)) // none: the logger shows warnings only
	default:
		return nil, usagef("--progress %q: want auto, tty, plain or none", f.progress)
	}
	return registry.NewClient(opts...)
}

// dockerConfigFile is docker's config.json: in $DOCKER_CONFIG, else
// ~/.docker.
func dockerConfigFile(e env) (string, error) {
	if dir := e.getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json"), nil
	}
	if home := e.getenv("HOME"); home != "" {
		return filepath.Join(home, ".docker", "config.json"), nil
	}
	return "", errors.New("find docker config: neither $DOCKER_CONFIG nor $HOME is set")
}

// authFiles lists where credentials are looked for, first match wins:
// docker's config.json, then podman's $REGISTRY_AUTH_FILE,
// $XDG_RUNTIME_DIR/containers/auth.json and
// ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json.
func authFiles(e env) []string {
	var out []string
	if p, err := dockerConfigFile(e); err == nil {
		out = append(out, p)
	}
	if p := e.getenv("REGISTRY_AUTH_FILE"); p != "" {
		out = append(out, p)
	}
	if d := e.getenv("XDG_RUNTIME_DIR"); d != "" {
		out = append(out, filepath.Join(d, "containers", "auth.json"))
	}
	if d := e.getenv("XDG_CONFIG_HOME"); d != "" {
		out = append(out, filepath.Join(d, "containers", "auth.json"))
	} else if home := e.getenv("HOME"); home != "" {
		out = append(out, filepath.Join(home, ".config", "containers", "auth.json"))
	}
	return out
}

// caFiles is $SSL_CERT_FILE, if set, then the --registry-ca files.
func caFiles(e env, flags []string) []string {
	var out []string
	if p := e.getenv("SSL_CERT_FILE"); p != "" {
		out = append(out, p)
	}
	return append(out, flags...)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
