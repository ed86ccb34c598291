package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

const completionUsage = `Usage: lading completion bash|zsh|fish

Prints a script that completes lading's commands, their flags, and the
words some commands take (help COMMAND, cache info|prune, completion SHELL);
any other argument completes as a file name. The script is made from the
flag sets the commands parse with, so it always matches this lading.

  bash: source <(lading completion bash)   (or save it in ~/.local/share/bash-completion/completions/lading)
  zsh:  source <(lading completion zsh)    (or save it as _lading in a directory of $fpath)
  fish: lading completion fish | source    (or save it as ~/.config/fish/completions/lading.fish)

Flags:
`

// runCompletion implements `lading completion SHELL`.
func runCompletion(args []string, stdout io.Writer) error {
	fs := newFlagSet("completion")
	if err := parseFlags(fs, args, completionUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 || !slices.Contains(shells(), fs.Arg(0)) {
		return usagef("want one SHELL: bash, zsh or fish, e.g. source <(lading completion bash)")
	}
	write := map[string]func(io.Writer, []command) error{"bash": writeBash, "zsh": writeZsh, "fish": writeFish}
	return write[fs.Arg(0)](stdout, commands())
}

// rootWords are the words completed right after `lading`.
func rootWords(cmds []command) []string {
	return append(commandNames(cmds), "--version", "--help")
}

// commandWords are the words completed after `lading NAME`: its flags,
// long and short, --help, and the arguments it names.
func commandWords(c command) []string {
	var words []string
	c.flags().VisitAll(func(f *pflag.Flag) {
		words = append(words, "--"+f.Name)
		if f.Shorthand != "" {
			words = append(words, "-"+f.Shorthand)
		}
	})
	return append(append(words, "--help"), c.words...)
}

// writeBash writes the bash script: one case per command, compgen -W over
// its words, and file names (complete -o default) when none match.
func writeBash(w io.Writer, cmds []command) error {
	var b strings.Builder
	b.WriteString("# bash completion for lading, written by `lading completion bash` from its flag sets.\n")
	b.WriteString("_lading() {\n\tlocal cur=\"${COMP_WORDS[COMP_CWORD]}\" words=\"\"\n")
	fmt.Fprintf(&b, "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\twords=%q\n\telse\n\t\tcase \"${COMP_WORDS[1]}\" in\n", strings.Join(rootWords(cmds), " "))
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t\t%s) words=%q ;;\n", c.name(), strings.Join(commandWords(c), " "))
	}
	b.WriteString("\t\tesac\n\tfi\n\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\ncomplete -o default -F _lading lading\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeZsh writes the zsh script, usable from $fpath or sourced.
func writeZsh(w io.Writer, cmds []command) error {
	var b strings.Builder
	b.WriteString("#compdef lading\n# zsh completion for lading, written by `lading completion zsh` from its flag sets.\n")
	fmt.Fprintf(&b, "_lading() {\n\tlocal -a opts\n\tif (( CURRENT == 2 )); then\n\t\topts=(%s)\n\t\tcompadd -a opts\n\t\treturn\n\tfi\n\tcase ${words[2]} in\n", strings.Join(rootWords(cmds), " "))
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t\t%s) opts=(%s) ;;\n", c.name(), strings.Join(commandWords(c), " "))
	}
	b.WriteString("\tesac\n\tcompadd -a opts\n\t[[ $PREFIX == -* ]] || _files\n}\n")
	b.WriteString("if [ \"$funcstack[1]\" = \"_lading\" ]; then\n\t_lading \"$@\"\nelse\n\tcompdef _lading lading\nfi\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFish writes the fish script: one complete line per command, per
// flag (-r when it takes a value) and per argument word.
func writeFish(w io.Writer, cmds []command) error {
	var b strings.Builder
	b.WriteString("# fish completion for lading, written by `lading completion fish` from its flag sets.\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c lading -n __fish_use_subcommand -f -a %s -d %s\n", c.name(), fishQuote(c.summary))
	}
	for _, c := range cmds {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name())
		c.flags().VisitAll(func(f *pflag.Flag) {
			fmt.Fprintf(&b, "complete -c lading -n %s -l %s", cond, f.Name)
			if f.Shorthand != "" {
				fmt.Fprintf(&b, " -s %s", f.Shorthand)
			}
			if f.Value.Type() != "bool" {
				b.WriteString(" -r")
			}
			fmt.Fprintf(&b, " -d %s\n", fishQuote(strings.SplitN(f.Usage, "\n", 2)[0]))
		})
		if len(c.words) > 0 {
			fmt.Fprintf(&b, "complete -c lading -n %s -f -a %s\n", cond, fishQuote(strings.Join(c.words, " ")))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote single-quotes s for fish, where \ and ' are the only escapes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
