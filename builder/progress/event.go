package progress

import (
	"fmt"
	"log/slog"
	"strings"
)

// state is where a step stands.
type state int

const (
	running state = iota
	done
	cached
)

// event is what one record means to a person: a step (key set) that
// starts or finishes, or a line (key empty).
type event struct {
	key    string // the step's identity; empty for a plain line
	label  string // what the step is, e.g. "layer server linux/arm64"
	state  state
	detail string // e.g. "3.8 MB in 1.2 s"
	// liveOnly steps (one blob of a push) show on a live view only.
	liveOnly bool
}

// attrs is a record's attributes as text, by key.
type attrs map[string]string

// recordAttrs collects r's attributes, after those the logger carries.
func recordAttrs(pre []slog.Attr, r slog.Record) (attrs, []string) {
	a, keys := attrs{}, []string{}
	add := func(at slog.Attr) bool {
		if _, seen := a[at.Key]; !seen {
			keys = append(keys, at.Key)
		}
		a[at.Key] = at.Value.Resolve().String()
		return true
	}
	for _, at := range pre {
		add(at)
	}
	r.Attrs(add)
	return a, keys
}

// translate turns a known event into a step; ok is false for any other.
func translate(msg string, a attrs) (e event, ok bool) {
	layer := "layer " + a["layer"] + " " + a["platform"]
	switch msg {
	case "layer started":
		return event{key: layer, label: layer, state: running}, true
	case "layer cached":
		return event{key: layer, label: layer, state: cached, detail: "cached"}, true
	case "layer cached (registry)":
		return event{key: layer, label: layer, state: cached, detail: "cached (registry)"}, true
	case "layer packed":
		return event{key: layer, label: layer, state: done, detail: packed(a)}, true
	case "run layer skipped: inputs unchanged":
		return event{key: "run " + layer, label: "run " + layer, state: cached, detail: "skipped: inputs unchanged"}, true
	case "wrote output":
		w := "wrote " + a["path"] + "@" + Short(a["digest"])
		return event{key: w, label: w, state: done}, true
	case "attached":
		of := a["platform"]
		if of == "" {
			of = "index"
		}
		l := "attach " + a["kind"] + " " + of + " to " + a["repository"]
		return event{key: l + a["digest"], label: l, state: done, detail: via(a["via"])}, true
	case "signed":
		l := "sign " + a["kind"] + " of " + Short(a["subject"])
		tag := a["ref"][strings.LastIndex(a["ref"], ":")+1:]
		if dot := strings.LastIndex(tag, "."); len(tag) > 19 && dot > 19 { // sha256-<12 hex>…<suffix>
			tag = tag[:19] + "…" + tag[dot:]
		}
		return event{key: l, label: l, state: done, detail: "at " + tag}, true
	}
	return event{}, false
}

// via says how an attached document is found, as a person reads it.
func via(v string) string {
	switch v {
	case "api":
		return "referrers API"
	case "tag":
		return "tag fallback"
	}
	return v
}

// packed is a packed layer's size and time, e.g. "3.8 MB in 1.2 s".
func packed(a attrs) string {
	var size int64
	var secs float64
	fmt.Sscan(a["size"], &size)
	fmt.Sscan(a["seconds"], &secs)
	return fmt.Sprintf("%s in %.1f s", Size(size), secs)
}

// plainLine is an unknown event as a line: its message, then its
// attributes as key=value, digests shortened.
func plainLine(level slog.Level, msg string, a attrs, keys []string) string {
	var b strings.Builder
	switch {
	case level >= slog.LevelError:
		b.WriteString("error: ")
	case level >= slog.LevelWarn:
		b.WriteString("warning: ")
	case level < slog.LevelInfo:
		b.WriteString("debug: ")
	}
	b.WriteString(msg)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, quote(Short(a[k])))
	}
	return b.String()
}

// quote quotes v when a space or quote would make the line ambiguous.
func quote(v string) string {
	if v == "" || strings.ContainsAny(v, " \"=") {
		return fmt.Sprintf("%q", v)
	}
	return v
}
