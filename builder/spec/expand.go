package spec

import (
	"errors"
	"fmt"
	"strings"
)

// Vars is what ${NAME} in a spec expands from. cmd fills it once; builder
// never reads the environment itself.
type Vars struct {
	// Lookup returns a variable from the environment; nil means none is
	// set (os.LookupEnv in cmd).
	Lookup func(name string) (string, bool)
	// Git holds the built-ins GIT_COMMIT, GIT_SHORT_COMMIT, GIT_TAG and
	// GIT_DIRTY, from ReadGit. GitErr is ReadGit's error: outside a git
	// checkout the built-ins come from Lookup, and one that is used but
	// unset there fails with GitErr as the reason.
	Git    Git
	GitErr error
}

// expand replaces ${NAME} and ${NAME:-default} in s; the default, used when
// NAME is unset or empty, is itself expanded. "$${" writes a literal "${";
// a bare $NAME is left as written for a command's own shell.
func expand(s string, v Vars) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1] + "${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		body, rest, err := braced(s[i+2:])
		if err != nil {
			return "", err
		}
		val, err := v.ref(body)
		if err != nil {
			return "", err
		}
		b.WriteString(val)
		s = rest
	}
}

// maxNesting bounds ${A:-${B:-…}} nesting: each level rescans what it
// holds, so 40,000 levels took 20 s (issue 13, case 12). Real specs nest
// two or three deep.
const maxNesting = 16

// braced splits s, which follows a "${", at the "}" that closes it,
// counting nested "${" (in defaults).
func braced(s string) (body, rest string, err error) {
	depth := 1
	for j := 0; j < len(s); j++ {
		switch {
		case strings.HasPrefix(s[j:], "${"):
			if depth++; depth > maxNesting {
				return "", "", fmt.Errorf("${...} nested more than %d deep: simplify the defaults", maxNesting)
			}
			j++
		case s[j] == '}':
			if depth--; depth == 0 {
				return s[:j], s[j+1:], nil
			}
		}
	}
	return "", "", fmt.Errorf("unterminated ${%s: close it with }, or write $${ for a literal ${", s)
}

// ref expands the body of one ${...}.
func (v Vars) ref(body string) (string, error) {
	name, def, hasDef := strings.Cut(body, ":-")
	if !validName(name) {
		return "", fmt.Errorf("${%s}: lading expands only ${NAME} and ${NAME:-default}, NAME being letters, digits and _", body)
	}
	val, ok, why := v.lookup(name)
	switch {
	case ok && (val != "" || !hasDef):
		return val, nil
	case hasDef:
		return expand(def, v)
	case why != nil:
		return "", fmt.Errorf("${%s} is not set (%w); set it, or write ${%s:-default}", name, why, name)
	}
	return "", fmt.Errorf("${%s} is not set and has no default; set it, or write ${%s:-default}", name, name)
}

// lookup returns a variable's value: the git built-ins from Git when git
// information is there, everything else (and the built-ins without it)
// from Lookup. why says why a built-in is missing.
func (v Vars) lookup(name string) (val string, ok bool, why error) {
	if g, isGit := v.Git.builtin(name); isGit && v.GitErr == nil && v.Git.Commit != "" {
		return g, true, nil
	} else if isGit {
		why = v.GitErr
		if why == nil {
			why = errors.New("no git information was given")
		}
	}
	if v.Lookup != nil {
		if val, ok := v.Lookup(name); ok {
			return val, true, nil
		}
	}
	return "", false, why
}

// validName reports whether s is a variable name: [A-Za-z_][A-Za-z0-9_]*.
func validName(s string) bool {
	for i, c := range s {
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}
