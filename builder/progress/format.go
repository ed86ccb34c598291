package progress

import (
	"fmt"
	"regexp"
	"time"
)

// digestHex finds a sha256 digest's 64 hex digits.
var digestHex = regexp.MustCompile(`sha256:([0-9a-f]{12})[0-9a-f]{52}`)

// Short shortens every sha256 digest in s to its first 12 hex digits and
// "…", as a person reads one; results and metadata keep them whole.
func Short(s string) string {
	return digestHex.ReplaceAllString(s, "sha256:$1…")
}

// Size is n bytes as a person reads it: "512 B", "3.8 MB" (powers of
// 1000, as docker and buildx show them).
func Size(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, "kMGT"[i-1])
}

// seconds is d as "1.2 s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}
