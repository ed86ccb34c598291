package progress

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Options say how a Handler shows the build.
type Options struct {
	// Level is the least level shown (Info, or Error for -q, Warn for
	// --progress none); Debug also shows every debug event as a line.
	Level slog.Level
	// Live redraws the steps in place (a terminal); else plain lines.
	Live bool
	// Color colours step states; only with Live, never with NO_COLOR.
	Color bool
}

// Handler is a slog.Handler that shows the build as steps. Close it when
// the command ends, so a live view draws its last state.
type Handler struct {
	o     Options
	attrs []slog.Attr
	s     *shared
}

var _ slog.Handler = (*Handler)(nil)

// shared is the state every Handler derived from one New shares.
type shared struct {
	mu     sync.Mutex
	w      io.Writer
	pushes *pushes
	view   *view // nil when plain
	stop   chan struct{}
	closed sync.WaitGroup
}

// New returns a Handler writing to w.
func New(w io.Writer, o Options) *Handler {
	s := &shared{w: w, pushes: newPushes()}
	h := &Handler{o: o, s: s}
	if o.Live {
		s.view, s.stop = newView(w, o.Color), make(chan struct{})
		s.closed.Add(1)
		go h.redrawLoop()
	}
	return h
}

// Enabled accepts debug records too: a step's start is one.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.o.Level || h.o.Level <= slog.LevelInfo
}

// WithAttrs returns a Handler that adds as to every record.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

// WithGroup is h: groups are not shown to a person.
func (h *Handler) WithGroup(string) slog.Handler { return h }

// Handle shows r: as a step when it is a known event, else as a line.
func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	a, keys := recordAttrs(h.attrs, r)
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	if e, line, ok := h.s.pushes.observe(r.Message, a); ok {
		switch {
		case r.Level < h.o.Level:
		case line != "":
			h.s.line(line)
		case h.s.view != nil:
			h.s.step(e, r.Time)
		}
		return nil
	}
	if e, ok := translate(r.Message, a); ok {
		if r.Level >= h.o.Level || e.state == running && h.s.view != nil {
			h.s.step(e, r.Time)
		}
		return nil
	}
	if r.Level >= h.o.Level {
		h.s.line(plainLine(r.Level, r.Message, a, keys))
	}
	return nil
}

// Close stops a live view after drawing its last state.
func (h *Handler) Close() {
	if h.s.view == nil {
		return
	}
	close(h.s.stop)
	h.s.closed.Wait()
}

// redrawLoop redraws the live view at most ten times a second.
func (h *Handler) redrawLoop() {
	defer h.s.closed.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-h.s.stop:
			h.s.mu.Lock()
			h.s.view.draw(time.Now(), true)
			h.s.mu.Unlock()
			return
		case now := <-tick.C:
			h.s.mu.Lock()
			h.s.view.draw(now, false)
			h.s.mu.Unlock()
		}
	}
}

// line prints one line: above a live view, or as it is.
func (s *shared) line(text string) {
	if s.view != nil {
		s.view.line(text)
		return
	}
	io.WriteString(s.w, "lading: "+text+"\n")
}

// step records e: a live view redraws it; plain output prints it once
// finished.
func (s *shared) step(e event, at time.Time) {
	if s.view != nil {
		s.view.update(e, at)
		return
	}
	if e.state == running || e.liveOnly {
		return
	}
	text := e.label
	if e.detail != "" {
		text += ": " + e.detail
	}
	s.line(text)
}
