package builder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"time"
)

// HostEnv is what host commands (go build, run layers, checks) start from.
// cmd fills it once; builder never reads the process environment itself.
type HostEnv struct {
	// Base holds the KEY=VALUE pairs every command inherits, usually
	// os.Environ(). Commands are found on its PATH, not the process's.
	Base []string
	// Logger receives each line a command prints, at debug level; nil
	// discards them.
	Logger *slog.Logger
}

// CommandError is a host command that failed. Its message gives the exit
// code and the tail of the command's stderr.
type CommandError struct {
	Command []string
	// ExitCode is the command's exit status; -1 when it could not start or
	// was killed by a signal (Err says which).
	ExitCode int
	// Stderr is the end of what the command wrote to stderr: its last 20
	// lines, at most 4 KiB (more for go build, whose whole compiler output
	// is wanted).
	Stderr string
	Err    error
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("%s exited with code %d", e.Command[0], e.ExitCode)
	if e.ExitCode < 0 {
		msg = fmt.Sprintf("%s: %v", e.Command[0], e.Err)
	}
	if e.Stderr == "" {
		return msg + " and wrote nothing to stderr"
	}
	return msg + "; its stderr ends with:\n    " + strings.ReplaceAll(e.Stderr, "\n", "\n    ")
}

func (e *CommandError) Unwrap() error { return e.Err }

// hostCmd is one command for HostEnv.run.
type hostCmd struct {
	argv  []string
	dir   string
	env   []string // the command's whole environment
	label string   // names the command in log lines
	lines int      // stderr lines kept for the error (default 20)
	bytes int      // stderr bytes kept for the error (default 4 KiB)
}

// run runs c to completion, streaming its output to the logger. When ctx
// ends, the command and everything it started are killed; the error then
// wraps ctx's error.
func (h HostEnv) run(ctx context.Context, c hostCmd) error {
	if len(c.argv) == 0 || c.argv[0] == "" {
		return errors.New("no command given")
	}
	logger := h.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	stdout := newLineWriter(logger, c.label, "stdout", 0, 0)
	stderr := newLineWriter(logger, c.label, "stderr", orDefault(c.lines, 20), orDefault(c.bytes, 4<<10))
	path, err := lookPath(c.argv[0], c.env, c.dir)
	if err != nil {
		return &CommandError{Command: c.argv, ExitCode: -1, Err: err}
	}
	cmd := exec.CommandContext(ctx, path, c.argv[1:]...)
	cmd.Args[0], cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = c.argv[0], c.dir, c.env, stdout, stderr
	cmd.WaitDelay = 5 * time.Second // pipes a stray grandchild holds open
	ownProcessGroup(cmd)
	err = cmd.Run()
	killProcessGroup(cmd)
	stdout.flush()
	return commandError(ctx, c.argv, err, stderr.tail())
}

// commandError returns nil, ctx's error, or a *CommandError for err.
func commandError(ctx context.Context, argv []string, err error, tail string) error {
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", argv[0], ctx.Err())
	case errors.As(err, &exit) && exit.Exited():
		return &CommandError{Command: argv, ExitCode: exit.ExitCode(), Stderr: tail, Err: err}
	}
	return &CommandError{Command: argv, ExitCode: -1, Stderr: tail, Err: err}
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// quoteArgv renders a command for messages, shortened past 80 bytes.
func quoteArgv(argv []string) string {
	s := fmt.Sprintf("%q", argv)
	if len(s) > 80 {
		s = s[:77] + "…]"
	}
	return s
}
