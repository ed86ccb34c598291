package manifest

import (
	"strings"
	"testing"
)

// TestParsePlatformKnown: a platform must exist; a near miss gets a
// suggestion (issue #9).
func TestParsePlatformKnown(t *testing.T) {
	for _, ok := range []string{"linux/amd64", "linux/arm64", "linux/arm64/v8", "linux/arm/v7", "linux/arm/v5",
		"linux/amd64/v3", "linux/riscv64", "linux/s390x", "linux/ppc64le", "windows/amd64", "linux/386"} {
		if _, err := ParsePlatform(ok); err != nil {
			t.Errorf("ParsePlatform(%q): %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"linux/amd46":    `unknown architecture "amd46" for linux; did you mean linux/amd64?`,
		"linux/x86_64":   "did you mean linux/amd64?",
		"linux/aarch64":  "did you mean linux/arm64?",
		"linus/arm64":    `unknown OS "linus"; did you mean linux/arm64?`,
		"linux/arm/v9":   `unknown variant "v9" for arm (known: v5, v6, v7, v8)`,
		"linux/s390x/v1": `s390x has no variants, got "v1"`,
		"linux/AMD64":    "did you mean linux/amd64?",
		"plan9/arm64":    `unknown architecture "arm64" for plan9`,
		"linux/zz80":     `unknown architecture "zz80" for linux`,
	} {
		_, err := ParsePlatform(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePlatform(%q) error = %v, want it to contain %q", bad, err, want)
		}
	}
	if _, err := ParsePlatform("linux/zz80"); err != nil && strings.Contains(err.Error(), "did you mean") {
		t.Errorf("ParsePlatform(linux/zz80) suggests something far away: %v", err)
	}
}
