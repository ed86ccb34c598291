package manifest

import (
	"fmt"
	"strconv"
	"strings"
)

// ParsePort reads an exposed port, PORT[/PROTO] with PORT 1-65535 and
// PROTO tcp (the default), udp or sctp in any case, and returns it as
// Docker writes it in a config: "8080/tcp". It is the one port parser
// (--expose and a spec's exposedPorts), so one port never gives two
// configs ("8080" and "8080/tcp" were both written before issue #9).
func ParsePort(s string) (string, error) {
	port, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	proto = strings.ToLower(proto)
	n, err := strconv.Atoi(port)
	if err != nil || !allDigits(port) || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp" && proto != "sctp") {
		return "", fmt.Errorf(`want PORT[/tcp|udp|sctp] with PORT 1-65535, such as "8080/tcp", got %q`, s)
	}
	return strconv.Itoa(n) + "/" + proto, nil
}

// allDigits reports whether s is one or more ASCII digits (no sign).
func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
