package main

import (
	"strings"

	"github.com/lading-dev/lading/manifest"
	"github.com/spf13/pflag"
)

// closest returns the candidate nearest to word, or "" when none is close:
// within a third of word's length in edit distance (at least 1, at most
// 3), so `biuld` finds build and `xyz` finds nothing.
func closest(word string, candidates []string) string {
	limit := min(max(len(word)/3, 1), 3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := manifest.EditDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// unknownFlagPrefix starts pflag's error for an unknown long flag (pflag
// 1.0: "unknown flag: --name"); other parse errors get no suggestion.
const unknownFlagPrefix = "unknown flag: --"

// suggestFlag appends a "did you mean" to pflag's unknown-flag error when
// fs has a long flag close to the one given.
func suggestFlag(fs *pflag.FlagSet, msg string) string {
	name, ok := strings.CutPrefix(msg, unknownFlagPrefix)
	if !ok {
		return msg
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	if c := closest(name, names); c != "" {
		return msg + "; did you mean --" + c + "?"
	}
	return msg
}
