package registry

import "testing"

// TestBar pins the per-blob progress bar's format.
func TestBar(t *testing.T) {
	for _, tc := range []struct {
		sent, size int64
		want       string
	}{
		{0, 2 << 20, "[                    ]   0% 0.0/2.0 MiB"},
		{1 << 20, 2 << 20, "[==========          ]  50% 1.0/2.0 MiB"},
		{3 << 20, 2 << 20, "[====================] 100% 2.0/2.0 MiB"},
	} {
		if got := bar(tc.sent, tc.size); got != tc.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tc.sent, tc.size, got, tc.want)
		}
	}
}
