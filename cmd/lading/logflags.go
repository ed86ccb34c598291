package main

import (
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder/progress"
)

// logFlags chooses how much progress lading logs to stderr, and in which
// form.
type logFlags struct {
	quiet, verbose bool
	format         string // "" (for a person, per --progress), text or json
}

// add declares -q, -v and --log-format on fs.
func (f *logFlags) add(fs *pflag.FlagSet) {
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only results and errors (no progress, no warnings)\n  e.g. -q")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "also log at debug level: each line a run layer or check prints, each registry request and retry\n  e.g. -v")
	fs.StringVar(&f.format, "log-format", "", "stderr log format for machines (default: for a person, as --progress says): text (key=value lines) or json (one object per line, keys level, msg and the event's own;\n  no time key, so the same build logs the same lines)\n  e.g. --log-format json")
}

// progressLogger returns the logger -q, -v, --log-format and --progress
// (auto, tty, plain or none) describe, and what to call when the command
// ends: a live view draws its last state then. --log-format keeps its
// raw lines whatever --progress says.
func (f logFlags) progressLogger(stderr io.Writer, e env, mode string) (*slog.Logger, func(), error) {
	if f.format != "" {
		l, err := f.logger(stderr)
		return l, func() {}, err
	}
	if f.quiet && f.verbose {
		return nil, nil, usagef("-q and -v ask for less and more logging: give one")
	}
	o := progress.Options{Level: f.level()}
	switch mode {
	case "auto", "":
		o.Live = isTerminal(stderr)
	case "tty":
		o.Live = true
	case "plain":
	case "none":
		o.Level = max(o.Level, slog.LevelWarn)
	default:
		return nil, nil, usagef("--progress %q: want auto, tty, plain or none", mode)
	}
	_, noColour := e.lookup("NO_COLOR")
	o.Color = o.Live && isTerminal(stderr) && !noColour
	h := progress.New(stderr, o)
	return slog.New(h), h.Close, nil
}

// level is the least level -q and -v show.
func (f logFlags) level() slog.Level {
	switch {
	case f.quiet:
		return slog.LevelError
	case f.verbose:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// logger returns the key=value or JSON logger -q, -v and --log-format
// describe.
func (f logFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	if f.quiet && f.verbose {
		return nil, usagef("-q and -v ask for less and more logging: give one")
	}
	opts := &slog.HandlerOptions{Level: f.level(), ReplaceAttr: dropTime}
	switch f.format {
	case "text", "":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", f.format)
}

// newLogger is the text logger of a command with -q alone.
func newLogger(stderr io.Writer, quiet bool) *slog.Logger {
	l, _ := logFlags{quiet: quiet, format: "text"}.logger(stderr) // cannot fail: text, not verbose
	return l
}

// dropTime removes the time from every record: progress lines are read
// beside the build, and without it the same build logs the same bytes.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
