package manifest

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// ParsePlatform parses "os/arch[/variant]" and rejects incomplete values
// and ones that name no real platform: the os/arch pair must be one Go
// builds for and the variant one the OCI image-spec (or containerd) uses
// for that architecture, so --platform linux/amd46 is an error with a
// "did you mean linux/amd64?" rather than an image for nothing (issue #9).
// It is the one platform parser: --platform, --archive-platform and a
// spec's platforms.
func ParsePlatform(s string) (v1.Platform, error) {
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return v1.Platform{}, fmt.Errorf("parse platform %q: %w", s, err)
	}
	if p.OS == "" || p.Architecture == "" || strings.Count(s, "/") > 2 || strings.Contains(s, ":") {
		return v1.Platform{}, fmt.Errorf("parse platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	if err := checkPlatform(*p); err != nil {
		return v1.Platform{}, fmt.Errorf("parse platform %q: %w%s", s, err, didYouMean(s))
	}
	return *p, nil
}

// checkPlatform says what in p names no real platform.
func checkPlatform(p v1.Platform) error {
	pairs := knownPairs()
	switch {
	case !slices.Contains(pairs, p.OS+"/"+p.Architecture) && !slices.ContainsFunc(pairs, hasPrefix(p.OS+"/")):
		return fmt.Errorf("unknown OS %q", p.OS)
	case !slices.Contains(pairs, p.OS+"/"+p.Architecture):
		return fmt.Errorf("unknown architecture %q for %s", p.Architecture, p.OS)
	case p.Variant == "" || slices.Contains(variantsOf(p.Architecture), p.Variant):
		return nil
	case len(variantsOf(p.Architecture)) == 0:
		return fmt.Errorf("%s has no variants, got %q", p.Architecture, p.Variant)
	}
	return fmt.Errorf("unknown variant %q for %s (known: %s)", p.Variant, p.Architecture, strings.Join(variantsOf(p.Architecture), ", "))
}

func hasPrefix(prefix string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, prefix) }
}

// didYouMean returns "; did you mean P?" for the known platform closest
// to s (an architecture alias such as x86_64 first), or "" when none is
// close. Ties go to the first in knownPlatforms' order.
func didYouMean(s string) string {
	s = strings.ToLower(s)
	parts := strings.SplitN(s, "/", 3)
	if a, ok := archAlias(parts[1]); ok {
		return "; did you mean " + parts[0] + "/" + a + "?"
	}
	best, bestD := "", 3 // more than 2 edits away is no suggestion
	for _, c := range knownPlatforms() {
		if d := EditDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

// EditDistance is the Damerau-Levenshtein (optimal string alignment)
// distance between a and b, in bytes: insertions, deletions, substitutions and
// swaps of two neighbours (the typo in `biuld`, or amd46) each cost one.
// It is lading's one measure for "did you mean": platforms here, commands
// and flags in cmd.
func EditDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
