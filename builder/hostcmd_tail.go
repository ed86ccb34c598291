package builder

import (
	"bytes"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// maxLine is where an unterminated line is cut, so a command printing
// without newlines cannot grow memory.
const maxLine = 64 << 10

// lineWriter splits one output stream of a command into lines, logs each
// at debug level, and keeps the last ones for an error message. exec
// copies each stream from one goroutine, so it needs no lock.
type lineWriter struct {
	logger        *slog.Logger
	label, stream string
	keepLines     int // 0 keeps nothing
	keepBytes     int
	partial       []byte
	lines         []string
}

func newLineWriter(logger *slog.Logger, label, stream string, keepLines, keepBytes int) *lineWriter {
	return &lineWriter{logger: logger, label: label, stream: stream, keepLines: keepLines, keepBytes: keepBytes}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > maxLine {
		w.flush()
	}
	return len(p), nil
}

// line logs one line and keeps it among the last keepLines.
func (w *lineWriter) line(s string) {
	s = strings.TrimSuffix(s, "\r")
	w.logger.Debug(w.label, "stream", w.stream, "line", s)
	if w.keepLines == 0 {
		return
	}
	if len(w.lines) == w.keepLines {
		w.lines = w.lines[1:]
	}
	w.lines = append(w.lines, s)
}

// flush ends a last line that has no newline.
func (w *lineWriter) flush() {
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = nil
	}
}

// tail returns the kept lines, cut to their last keepBytes bytes.
func (w *lineWriter) tail() string {
	w.flush()
	s := strings.TrimRight(strings.Join(w.lines, "\n"), "\n")
	if len(s) <= w.keepBytes {
		return s
	}
	s = s[len(s)-w.keepBytes:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	return "…" + s
}
