package progress

import (
	"fmt"
	"io"
	"time"
)

// ANSI sequences of the live view.
const (
	clearLine  = "\r\x1b[2K"
	clearBelow = "\x1b[J"
	reset      = "\x1b[0m"
)

// colours of the states: running yellow, done green, cached cyan.
var stateColour = [...]string{running: "\x1b[33m", done: "\x1b[32m", cached: "\x1b[36m"}

// view is a live view: the steps in the order they began. Steps before
// the first still running are printed for good (committed); the rest are
// redrawn in place, so the region redrawn stays small.
type view struct {
	w         io.Writer
	colour    bool
	steps     []*shown
	byKey     map[string]*shown
	committed int // steps printed for good
	drawn     int // lines of the redrawn region on screen
}

// shown is a step on the view, with when it began and finished.
type shown struct {
	event
	start, end time.Time
}

func newView(w io.Writer, colour bool) *view {
	return &view{w: w, colour: colour, byKey: map[string]*shown{}}
}

// update records e, which happened at at.
func (v *view) update(e event, at time.Time) {
	s := v.byKey[e.key]
	if s == nil {
		s = &shown{start: at}
		v.byKey[e.key], v.steps = s, append(v.steps, s)
	}
	s.event = e
	if e.state != running {
		s.end = at
	}
}

// line prints text above the redrawn region, then redraws it.
func (v *view) line(text string) {
	v.up()
	fmt.Fprintf(v.w, "%slading: %s\n%s", clearLine, text, clearBelow)
	v.drawn = 0
	v.draw(time.Now(), false)
}

// draw redraws the region at now; final prints every step for good.
func (v *view) draw(now time.Time, final bool) {
	v.up()
	for v.committed < len(v.steps) && (final || v.steps[v.committed].state != running) {
		fmt.Fprint(v.w, clearLine+v.render(v.steps[v.committed], now)+"\n")
		v.committed++
	}
	for _, s := range v.steps[v.committed:] {
		fmt.Fprint(v.w, clearLine+v.render(s, now)+"\n")
	}
	v.drawn = len(v.steps) - v.committed
}

// up moves the cursor to the start of the redrawn region.
func (v *view) up() {
	if v.drawn > 0 {
		fmt.Fprintf(v.w, "\x1b[%dA", v.drawn)
	}
}

// render is one step's line: its label, state and time.
func (v *view) render(s *shown, now time.Time) string {
	var state string
	switch {
	case s.state == running:
		state = "running " + seconds(now.Sub(s.start))
		if s.detail != "" {
			state += " " + s.detail
		}
	case s.detail != "":
		state = s.detail
	case s.end.Sub(s.start) >= 50*time.Millisecond:
		state = "done in " + seconds(s.end.Sub(s.start))
	default:
		state = "done"
	}
	if v.colour {
		state = stateColour[s.state] + state + reset
	}
	return "lading: " + s.label + ": " + state
}
