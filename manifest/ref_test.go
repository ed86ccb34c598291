package manifest

import (
	"strings"
	"testing"
)

// TestParseTagLowercase: a tag with capitals says how to spell it.
func TestParseTagLowercase(t *testing.T) {
	for in, want := range map[string]string{
		"UXApp:v1":                    "repository names must be lowercase: uxapp",
		"example.com/Web/App":         "repository names must be lowercase: example.com/web/app",
		"localhost:5000/UXApp:Latest": "repository names must be lowercase: localhost:5000/uxapp",
		"app:bad tag":                 `parse tag "app:bad tag"`,
	} {
		if _, err := ParseTag(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTag(%q) error = %v, want it to contain %q", in, err, want)
		}
	}
	for _, ok := range []string{"uxapp:v1", "example.com/web/app:V1", "localhost:5000/app"} {
		if _, err := ParseTag(ok); err != nil {
			t.Errorf("ParseTag(%q): %v", ok, err)
		}
	}
	if _, err := ParseReference("UPPER/Case@sha256:" + strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "lowercase: upper/case") {
		t.Errorf("ParseReference of a capitalised digest reference: %v", err)
	}
}
