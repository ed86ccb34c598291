// Command lading assembles container images from host files without a
// daemon: reproducible layers, written to OCI layouts and archives.
//
// It is the only place that reads flags and the environment; everything it
// learns is passed down to package builder as plain values.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"unicode"
)

// Exit codes.
const (
	exitOK       = 0
	exitBuild    = 1
	exitUsage    = 2
	exitCanceled = 130
)

// memoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT says
// otherwise. Layers stream, so the heap holds little beyond the entry list
// (about 0.7 KiB a file); the limit makes the collector run before the
// default GOGC headroom doubles that, keeping a 200,000-file layer's peak RSS
// near the 150 MiB the streaming design promises. It is soft: a larger live
// heap still works, with more frequent collection.
const memoryLimit = 100 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := interruptible()
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, lookup: os.LookupEnv, environ: os.Environ, getwd: os.Getwd,
		prompt: terminalPrompt(os.Stdin, os.Stderr)}, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM;
// lading then stops, leaving every output whole or absent. A second signal
// exits with 130 at once, even from a read that does not watch the context
// (issue 13, case 14); temporary files it leaves are removed by a later
// build once they are stale.
func interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "lading: interrupted twice: exiting at once")
		os.Exit(exitCanceled)
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}

// env is the process environment, injected so tests can replace it.
type env struct {
	getenv  func(string) string
	lookup  func(string) (string, bool)
	environ func() []string
	getwd   func() (string, error)
	// prompt asks a person at a terminal for a value (secret: without
	// echo); nil when stdin is not a terminal.
	prompt func(label string, secret bool) (string, error)
}

// usageError marks errors that exit with code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run executes one lading invocation and returns its exit code.
func run(ctx context.Context, args []string, e env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage())
		return exitUsage
	}
	var err error
	switch args[0] {
	case "build":
		err = runBuild(ctx, args[1:], e, stdout, stderr)
	case "push":
		err = runPush(ctx, args[1:], e, stdout, stderr)
	case "inspect":
		err = runInspect(ctx, args[1:], e, stdout, stderr)
	case "ls":
		err = runLs(ctx, args[1:], e, stdout, stderr)
	case "diff":
		return diffExit(ctx, runDiff(ctx, args[1:], e, stdout, stderr), stderr)
	case "lock":
		err = runLock(ctx, args[1:], e, stdout, stderr)
	case "login":
		err = runLogin(ctx, args[1:], e, os.Stdin, stdout, stderr)
	case "logout":
		err = runLogout(args[1:], e, stdout)
	case "verify":
		return verifyExit(ctx, runVerify(ctx, args[1:], e, stdout, stderr), stderr)
	case "keygen":
		err = runKeygen(args[1:], e, stdout)
	case "cache":
		err = runCache(args[1:], e, stdout)
	case "completion":
		err = runCompletion(args[1:], stdout)
	case "version", "--version":
		err = runVersion(stdout)
	case "help", "-h", "--help":
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
			return run(ctx, []string{args[1], "--help"}, e, stdout, stderr)
		}
		fmt.Fprint(stdout, topUsage())
	default:
		return exitCode(ctx, unknownCommand(args[0]), "", stderr)
	}
	return exitCode(ctx, err, args[0], stderr)
}

// unknownCommand is the usage error for `lading NAME` with no such
// command, suggesting the closest one.
func unknownCommand(name string) error {
	if c := closest(name, commandNames(commands())); c != "" {
		return usagef("unknown command %q: did you mean %s?", name, c)
	}
	return usagef("unknown command %q", name)
}

// exitCode reports err on stderr and maps it to an exit code; a usage
// error's hint names cmd's --help, or `lading help` when cmd is "".
func exitCode(ctx context.Context, err error, cmd string, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "lading: interrupted; only outputs printed on stdout were written, each whole, and no registry tag points at an incomplete image")
		return exitCanceled
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lading: %s\n%s\n", printable(err.Error()), usageHint(cmd))
		return exitUsage
	}
	for _, e := range splitJoined(err) {
		fmt.Fprintf(stderr, "lading: %s\n", printable(e.Error()))
	}
	return exitBuild
}

// usageHint tells where the usage of cmd is: its --help, or lading help
// for a command that does not exist.
func usageHint(cmd string) string {
	if cmd == "" || strings.HasPrefix(cmd, "-") {
		return "Run 'lading help' for usage."
	}
	return "Run 'lading " + cmd + " --help' for usage."
}

// printable escapes the control characters a host path or a registry's
// answer may carry (an ESC could rewrite the user's terminal) as Go
// escapes, \x1b, keeping the newlines and tabs of multi-line messages
// (issue 13, case 18).
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// splitJoined lists the errors an errors.Join made (one per platform, in
// input order), so each gets its own "lading:" line.
func splitJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
