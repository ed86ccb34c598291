package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// resolveEpoch returns the build's one time source: the --source-date-epoch
// flag, else SOURCE_DATE_EPOCH, else the commit time of HEAD in the git
// checkout git reads, else Unix 0. A malformed value is an error naming
// where it came from.
func resolveEpoch(ctx context.Context, flag string, flagSet bool, e env, git *gitFacts) (time.Time, string, error) {
	if flagSet {
		t, err := parseEpoch(flag)
		if err != nil {
			return time.Time{}, "", usagef("--source-date-epoch: %v", err)
		}
		return t, "--source-date-epoch", nil
	}
	if v := e.getenv("SOURCE_DATE_EPOCH"); v != "" {
		t, err := parseEpoch(v)
		if err != nil {
			return time.Time{}, "", usagef("SOURCE_DATE_EPOCH: %v", err)
		}
		return t, "SOURCE_DATE_EPOCH", nil
	}
	if g, err := git.get(ctx); err == nil {
		return g.CommitTime, "git HEAD commit time", nil
	}
	return time.Unix(0, 0).UTC(), "default (0)", nil
}

// parseEpoch parses a non-negative count of seconds since 1970.
func parseEpoch(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > 253402300799 {
		return time.Time{}, fmt.Errorf("%q is not a Unix time in seconds (a whole number, e.g. 1700000000)", s)
	}
	return time.Unix(n, 0).UTC(), nil
}
