//go:build !unix

package builder

import "os/exec"

// ownProcessGroup does nothing here: only the command itself is killed on
// cancellation.
func ownProcessGroup(*exec.Cmd) {}

// killProcessGroup does nothing here.
func killProcessGroup(*exec.Cmd) {}
