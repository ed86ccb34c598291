package builder

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// quoteFlags joins args into one flag value the way go build splits it
// again: on spaces, with '…' or "…" around an argument that needs them.
func quoteFlags(args []string) (string, error) {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case a != "" && !strings.ContainsAny(a, " \t\n\r'\""):
			out[i] = a
		case !strings.Contains(a, "'"):
			out[i] = "'" + a + "'"
		case !strings.Contains(a, `"`):
			out[i] = `"` + a + `"`
		default:
			return "", fmt.Errorf("%q holds both kinds of quote and cannot be passed to go build", a)
		}
	}
	return strings.Join(out, " "), nil
}

// checkProgram fails when go build wrote a package archive (the package is
// not main) and makes the program 0755 whatever the umask.
func checkProgram(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open built program: %w", err)
	}
	head := make([]byte, 8)
	_, err = io.ReadFull(f, head)
	f.Close()
	if bytes.Equal(head, []byte("!<arch>\n")) {
		return fmt.Errorf("not a main package: go build wrote a package archive, not a program")
	}
	if err != nil {
		return fmt.Errorf("read built program: %w", err)
	}
	return os.Chmod(file, 0o755)
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
