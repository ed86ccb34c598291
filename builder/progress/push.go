package progress

import (
	"fmt"
	"strings"
)

// pushes counts, per repository, what became of each blob a push sent,
// for the line that says a reference was pushed.
type pushes struct {
	counts map[string]map[string]int // repository → outcome → blobs
}

func newPushes() *pushes { return &pushes{counts: map[string]map[string]int{}} }

// observe takes a push event: a blob's outcome is counted and, on a live
// view, shown as a step; "pushed" is a line with the counts of its
// repository. ok is false for any other event.
func (p *pushes) observe(msg string, a attrs) (e event, line string, ok bool) {
	blob := "push blob " + Short(a["digest"])
	switch msg {
	case "uploading":
		return event{key: blob, label: blob, state: running, detail: a["progress"], liveOnly: true}, "", true
	case "blob uploaded", "blob exists", "blob mounted":
		outcome := strings.TrimPrefix(msg, "blob ")
		if p.counts[a["repository"]] == nil {
			p.counts[a["repository"]] = map[string]int{}
		}
		p.counts[a["repository"]][outcome]++
		st := done
		if outcome != "uploaded" {
			st = cached
		}
		return event{key: blob, label: blob, state: st, detail: outcome, liveOnly: true}, "", true
	case "pushed":
		return event{}, fmt.Sprintf("pushed %s%s", a["ref"], p.summary(a["ref"])), true
	}
	return event{}, "", false
}

// summary is " (4 uploaded, 3 present, 1 mounted)" for ref's repository,
// or "" when no blob was counted there.
func (p *pushes) summary(ref string) string {
	var c map[string]int
	for repo, counts := range p.counts { // a blob's repository has no host
		if r := repository(ref); r == repo || strings.HasSuffix(r, "/"+repo) {
			c = counts
		}
	}
	if c == nil {
		return ""
	}
	return fmt.Sprintf(" (%d uploaded, %d present, %d mounted)", c["uploaded"], c["exists"], c["mounted"])
}

// repository is ref without its tag or digest.
func repository(ref string) string {
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		return ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i]
	}
	return ref
}
