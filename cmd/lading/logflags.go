package main

import (
	"io"
	"log/slog"

	"github.com/spf13/pflag"
)

// logFlags chooses how much progress lading logs to stderr, and in which
// form.
type logFlags struct {
	quiet, verbose bool
	format         string // text or json
}

// add declares -q, -v and --log-format on fs.
func (f *logFlags) add(fs *pflag.FlagSet) {
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only results and errors (no progress, no warnings)\n  e.g. -q")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "also log at debug level: each line a run layer or check prints, each registry request and retry\n  e.g. -v")
	fs.StringVar(&f.format, "log-format", "text", "stderr log format: text (key=value lines) or json (one object per line, keys level, msg and the event's own;\n  no time key, so the same build logs the same lines)\n  e.g. --log-format json")
}

// logger returns the logger -q, -v and --log-format describe.
func (f logFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	if f.quiet && f.verbose {
		return nil, usagef("-q and -v ask for less and more logging: give one")
	}
	level := slog.LevelInfo
	switch {
	case f.quiet:
		level = slog.LevelError
	case f.verbose:
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime}
	switch f.format {
	case "text":
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
