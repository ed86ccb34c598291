package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/lading-dev/lading/layer"
	"github.com/spf13/pflag"
)

// command is one lading subcommand as help, suggestions and completion see
// it; run's switch is what runs it (TestCommandNamesRun holds the two
// together).
type command struct {
	use, summary string
	// flags returns the command's flag set, the one it parses with, so
	// completion scripts cannot drift from the flags.
	flags func() *pflag.FlagSet
	// words are the arguments completed after the command, if any.
	words []string
}

// name is the command's name, the first word of its use.
func (c command) name() string { return strings.Fields(c.use)[0] }

// shells lists the shells `lading completion` writes scripts for.
func shells() []string { return []string{"bash", "zsh", "fish"} }

// commands lists lading's subcommands in the order `lading help` gives them.
func commands() []command {
	empty := func(name string) func() *pflag.FlagSet {
		return func() *pflag.FlagSet { return newFlagSet(name) }
	}
	cmds := []command{
		{"build [flags]", "build an image from lading.yaml and/or host files (see lading build --help)", func() *pflag.FlagSet { return new(buildFlags).flagSet() }, nil},
		{"push SRC REF...", "push an OCI layout or archive to registries", func() *pflag.FlagSet { return new(pushFlags).flagSet() }, nil},
		{"login REGISTRY", "store registry credentials (-u USER --password-stdin, or prompts on a terminal)", func() *pflag.FlagSet { return new(loginFlags).flagSet() }, nil},
		{"logout REGISTRY", "remove stored registry credentials", empty("logout"), nil},
		{"inspect SRC", "describe an image or index: platforms, config, layers (--json, --raw)", func() *pflag.FlagSet { return new(inspectFlags).flagSet() }, nil},
		{"ls SRC [PATH]", "list an image's merged file tree, or one layer's entries, like ls -l", func() *pflag.FlagSet { return new(lsFlags).flagSet() }, nil},
		{"diff A B", "say why two images differ, down to tar entries (exit 1 when they do)", func() *pflag.FlagSet { return new(diffFlags).flagSet() }, nil},
		{"lock", "pin the spec's registry base to digests in lading.lock", func() *pflag.FlagSet { return new(lockFlags).flagSet() }, nil},
		{"verify --against SRC", "rebuild the spec from a clean clone and compare with SRC; or check cosign signatures (--signature --key)", func() *pflag.FlagSet { return new(verifyFlags).flagSet() }, nil},
		{"keygen", "write a cosign-compatible key pair for --sign-key (cosign.key, cosign.pub)", func() *pflag.FlagSet { return new(keygenFlags).flagSet() }, nil},
		{"cache info|prune", "show or trim the layer cache", func() *pflag.FlagSet { return new(cacheFlags).flagSet() }, []string{"info", "prune"}},
		{"version", "print the version, Go version and compressor pin (also --version)", empty("version"), nil},
		{"help COMMAND", "print COMMAND's usage and flags (as lading COMMAND --help does)", empty("help"), nil},
		{"completion SHELL", "print a completion script for bash, zsh or fish (see lading completion --help)", empty("completion"), shells()},
	}
	for i := range cmds {
		if cmds[i].name() == "help" {
			cmds[i].words = commandNames(cmds)
		}
	}
	return cmds
}

// commandNames lists the names of cmds.
func commandNames(cmds []command) []string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name()
	}
	return names
}

// topUsage is what `lading help` prints: every command with its summary.
func topUsage() string {
	var b strings.Builder
	b.WriteString("lading assembles reproducible container images without a daemon.\n\nUsage:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  lading %-18s%s\n", c.use, c.summary)
	}
	return b.String()
}

// runVersion prints lading's version, the Go version and the compressor pin.
func runVersion(stdout io.Writer) error {
	v := ladingVersion()
	_, err := fmt.Fprintf(stdout, "lading %s\ngo %s %s/%s\ncompressor %s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH, layer.CompressorSettings())
	return err
}
