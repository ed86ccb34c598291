package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// closest returns the candidate nearest to word, or "" when none is close:
// within a third of word's length in edit distance (at least 1, at most
// 3), so `biuld` finds build and `xyz` finds nothing.
func closest(word string, candidates []string) string {
	limit := min(max(len(word)/3, 1), 3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance between a and b: insertions, deletions, substitutions and
// swaps of two neighbours (the typo in `biuld`) each cost one.
func editDistance(a, b string) int {
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
