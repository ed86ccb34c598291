// Package progress shows a build to the person watching it: a slog.Handler
// that turns the events builder and registry log (a layer started, packed
// or cached; an output written; a blob pushed; a reference pushed) into
// steps, and prints them either as plain lines, one per finished step (for
// CI logs), or as a live view redrawn in place on a terminal. Events it does
// not know print as plain lines; warnings and errors always come through.
//
// It imports no package of ours: it knows the events by their message and
// attributes only, so a renamed event shows as a plain line, never lost.
package progress
