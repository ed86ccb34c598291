package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// terminalPrompt returns a prompt that asks on out and reads from in, a
// secret without echo; nil when in is not a terminal (a script must give
// --password-stdin).
func terminalPrompt(in *os.File, out io.Writer) func(string, bool) (string, error) {
	if !term.IsTerminal(int(in.Fd())) {
		return nil
	}
	return func(label string, secret bool) (string, error) {
		fmt.Fprint(out, label)
		if secret {
			b, err := term.ReadPassword(int(in.Fd()))
			fmt.Fprintln(out)
			if err != nil {
				return "", fmt.Errorf("read password: %w", err)
			}
			return string(b), nil
		}
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read %s: %w", strings.TrimSuffix(label, ": "), err)
		}
		return strings.TrimSpace(line), nil
	}
}
