package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	git := Git{Commit: "0123456789abcdef0123456789abcdef01234567", ShortCommit: "0123456", Tag: "v1.2.0", Dirty: true}
	vars := Vars{Lookup: lookupIn(map[string]string{"VERSION": "1.0", "EMPTY": "", "HOME": "/root"}), Git: git}
	noGit := Vars{Lookup: lookupIn(map[string]string{"GIT_COMMIT": "from-env"}), GitErr: errors.New("not a git checkout")}
	for _, tc := range []struct {
		name, in string
		vars     Vars
		want     string // ignored when wantErr is set
		wantErr  string
	}{
		{"plain text", "no variables", vars, "no variables", ""},
		{"braced", "app:${VERSION}", vars, "app:1.0", ""},
		{"twice", "${VERSION}-${VERSION}", vars, "1.0-1.0", ""},
		{"default unused", "${VERSION:-dev}", vars, "1.0", ""},
		{"default when unset", "${NOPE:-dev}", vars, "dev", ""},
		{"default when empty", "${EMPTY:-dev}", vars, "dev", ""},
		{"empty without default", "[${EMPTY}]", vars, "[]", ""},
		{"empty default", "[${NOPE:-}]", vars, "[]", ""},
		{"nested default", "${NOPE:-${VERSION}}", vars, "1.0", ""},
		{"nested default unused", "${VERSION:-${NOPE}}", vars, "1.0", ""},
		{"default with spaces and colons", "${NOPE:-a b:c}", vars, "a b:c", ""},
		{"bare dollar stays", "echo $HOME $TARGETPLATFORM", vars, "echo $HOME $TARGETPLATFORM", ""},
		{"double dollar stays", "echo $$", vars, "echo $$", ""},
		{"escaped brace", "$${VERSION}", vars, "${VERSION}", ""},
		{"escaped then expanded", "$${A}${VERSION}", vars, "${A}1.0", ""},
		{"lone dollar at end", "cost: 5$", vars, "cost: 5$", ""},
		{"git commit", "${GIT_COMMIT}", vars, git.Commit, ""},
		{"git short", "${GIT_SHORT_COMMIT}", vars, "0123456", ""},
		{"git tag", "${GIT_TAG}", vars, "v1.2.0", ""},
		{"git dirty", "${GIT_DIRTY}", vars, "true", ""},
		{"git clean", "${GIT_DIRTY}", Vars{Git: Git{Commit: "c"}}, "false", ""},
		{"git no tag", "[${GIT_TAG}]", Vars{Git: Git{Commit: "c"}}, "[]", ""},
		{"git no tag default", "${GIT_TAG:-dev}", Vars{Git: Git{Commit: "c"}}, "dev", ""},
		{"git wins over env", "${GIT_COMMIT}", Vars{Lookup: lookupIn(map[string]string{"GIT_COMMIT": "x"}), Git: git}, git.Commit, ""},
		{"no git, env set", "${GIT_COMMIT}", noGit, "from-env", ""},
		{"no git, default", "${GIT_TAG:-none}", noGit, "none", ""},
		{"no git, unused", "plain", noGit, "plain", ""},
		{"no git, used", "${GIT_SHORT_COMMIT}", noGit, "", "${GIT_SHORT_COMMIT} is not set (not a git checkout)"},
		{"no git info given", "${GIT_DIRTY}", Vars{}, "", "${GIT_DIRTY} is not set (no git information was given)"},
		{"unset", "app:${VERSION2}", vars, "", "${VERSION2} is not set and has no default; set it, or write ${VERSION2:-default}"},
		{"nil lookup", "${VERSION}", Vars{}, "", "${VERSION} is not set"},
		{"unset in default", "${NOPE:-${ALSO_NOPE}}", vars, "", "${ALSO_NOPE} is not set"},
		{"unterminated", "${VERSION", vars, "", "unterminated ${VERSION"},
		{"empty name", "${}", vars, "", "${}: lading expands only ${NAME} and ${NAME:-default}"},
		{"bad name", "${1X}", vars, "", "${1X}: lading expands only"},
		{"shell form :?", "${VERSION:?set it}", vars, "", "${VERSION:?set it}: lading expands only"},
		{"shell form -", "${VERSION-dev}", vars, "", "${VERSION-dev}: lading expands only"},
		{"shell form :+", "${VERSION:+x}", vars, "", "${VERSION:+x}: lading expands only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expand(tc.in, tc.vars)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("expand(%q) error: %v", tc.in, err)
			case tc.wantErr == "" && got != tc.want:
				t.Fatalf("expand(%q) = %q, want %q", tc.in, got, tc.want)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("expand(%q) = %q, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
			}
		})
	}
}

func TestExpandValidName(t *testing.T) {
	for s, want := range map[string]bool{"A": true, "_a1": true, "GIT_COMMIT": true, "": false, "1A": false, "A-B": false, "A B": false, "Ä": false} {
		if got := validName(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestSpecBounds: a deeply nested default and an endless spec file fail
// fast with a clear error (issue 13, case 12).
func TestSpecBounds(t *testing.T) {
	deep := strings.Repeat("${A:-", 40000) + "x" + strings.Repeat("}", 40000)
	if _, err := expand(deep, Vars{}); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("40,000 nested defaults: %v", err)
	}
	if _, err := Load("/dev/zero", Vars{}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(/dev/zero) = %v, want a size error", err)
	}
}
