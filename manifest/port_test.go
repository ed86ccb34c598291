package manifest

import "testing"

// TestParsePort: every spelling of a port gives Docker's PORT/PROTO.
func TestParsePort(t *testing.T) {
	for in, want := range map[string]string{
		"8080": "8080/tcp", "8080/tcp": "8080/tcp", "53/udp": "53/udp", "53/UDP": "53/udp",
		"9/sctp": "9/sctp", "65535": "65535/tcp",
	} {
		if got, err := ParsePort(in); got != want || err != nil {
			t.Errorf("ParsePort(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "65536", "99999", "+80", "-1", "http", "80/icmp", "80/", "/tcp", "80/tcp/x"} {
		if got, err := ParsePort(in); err == nil {
			t.Errorf("ParsePort(%q) = %q, want an error", in, got)
		}
	}
}
