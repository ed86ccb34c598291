package builder

import (
	"debug/elf"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/layer"
)

// The built-in image checks, by the name --skip-image-checks takes. No
// peer runs these: ko, crane, jib and apko all ship a missing entrypoint
// without a word.
const (
	CheckEntrypoint  = "entrypoint"
	CheckELFArch     = "elf-arch"
	CheckUser        = "user"
	CheckBaseSymlink = "base-symlink"
)

var allChecks = []string{CheckEntrypoint, CheckELFArch, CheckUser, CheckBaseSymlink}

// ImageCheckNames lists the built-in image checks --skip-image-checks takes.
func ImageCheckNames() []string { return slices.Clone(allChecks) }

// checkSkips rejects unknown check names.
func checkSkips(skips []string) error {
	for _, s := range skips {
		if !slices.Contains(allChecks, s) {
			return fmt.Errorf("unknown image check %q (known: %s)", s, strings.Join(allChecks, ", "))
		}
	}
	return nil
}

// imageChecks is what the built-in checks look at for one platform.
type imageChecks struct {
	platform v1.Platform
	final    *layer.Tree   // base plus every layer
	base     *layer.Tree   // the base alone
	placed   []layer.Entry // every entry lading's layers hold
	config   v1.Config
	skip     []string
	// workDir holds what go and run layers produced: not paths worth
	// naming in an error (they are gone when the build ends).
	workDir string
}

// run runs every check not skipped and joins what fails.
func (c imageChecks) run() error {
	var errs []string
	for _, chk := range []struct {
		name string
		fn   func() error
	}{
		{CheckEntrypoint, c.entrypoint},
		{CheckELFArch, c.elfArch},
		{CheckUser, c.user},
		{CheckBaseSymlink, c.baseSymlinks},
	} {
		if slices.Contains(c.skip, chk.name) {
			continue
		}
		if err := chk.fn(); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v (skip with --skip-image-checks %s)", chk.name, err, chk.name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("image checks failed for %s:\n  %s", c.platform, strings.Join(errs, "\n  "))
	}
	return nil
}

// entrypoint checks that the entrypoint (or cmd[0]) resolves, through
// symlinks inside the image, to an executable regular file.
func (c imageChecks) entrypoint() error {
	argv, what := c.config.Entrypoint, "entrypoint"
	if len(argv) == 0 {
		argv, what = c.config.Cmd, "cmd[0]"
	}
	if len(argv) == 0 {
		return nil
	}
	p, err := c.lookPath(what, argv[0])
	if err != nil {
		return err
	}
	resolved, err := c.final.Resolve(p)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, argv[0], err)
	}
	n, ok := c.final.Node(resolved)
	switch {
	case !ok && resolved != p:
		return fmt.Errorf("%s %s resolves through symlinks to %s, which does not exist in the image", what, p, resolved)
	case !ok:
		return fmt.Errorf("%s %s does not exist in the image", what, p)
	case n.Kind != layer.File:
		return fmt.Errorf("%s %s resolves to %s, a %s, not a regular file", what, p, resolved, n.Kind)
	case n.Mode&0o111 == 0:
		return fmt.Errorf("%s %s (%s) is not executable (mode %04o)", what, p, resolved, n.Mode)
	}
	return nil
}

// lookPath finds a bare command name in the config's PATH, as exec does.
func (c imageChecks) lookPath(what, cmd string) (string, error) {
	if strings.HasPrefix(cmd, "/") {
		return cmd, nil
	}
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, kv := range c.config.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range strings.Split(path, ":") {
		p := strings.TrimSuffix(dir, "/") + "/" + cmd
		if r, err := c.final.Resolve(p); err == nil {
			if n, ok := c.final.Node(r); ok && n.Kind == layer.File {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("%s %s is not found in PATH %s", what, cmd, path)
}

// baseSymlinks checks that no entry replaces a base symlink with a
// directory (Plan resolves such paths; this guards the invariant).
func (c imageChecks) baseSymlinks() error {
	for _, e := range c.placed {
		if kind, target, ok := c.base.Lookup(e.Path); ok && kind == layer.Symlink && e.Kind == layer.Dir {
			return fmt.Errorf("%s replaces the base image's symlink %s -> %s with a directory", e.Path, e.Path, target)
		}
	}
	return nil
}

// elfMachines maps GOARCH-style architectures to ELF machines.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "386": elf.EM_386, "arm64": elf.EM_AARCH64, "arm": elf.EM_ARM,
	"ppc64le": elf.EM_PPC64, "ppc64": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV,
	"mips64le": elf.EM_MIPS, "mips64": elf.EM_MIPS, "mipsle": elf.EM_MIPS, "mips": elf.EM_MIPS, "loong64": elf.EM_LOONGARCH,
}

// elfArch checks that every ELF file lading placed matches the platform.
func (c imageChecks) elfArch() error {
	want, known := elfMachines[c.platform.Architecture]
	if !known {
		return nil
	}
	for _, e := range c.placed {
		if e.Kind != layer.File || e.Source == "" {
			continue
		}
		f, err := elf.Open(e.Source)
		if err != nil {
			continue // not an ELF file
		}
		got := f.Machine
		f.Close()
		if got != want {
			from := " (from " + e.Source + ")"
			if c.workDir != "" && strings.HasPrefix(e.Source, c.workDir+string(filepath.Separator)) {
				from = ""
			}
			return fmt.Errorf("%s%s is an ELF binary for %s, but the image is %s", e.Path, from, machineName(got), c.platform)
		}
	}
	return nil
}

func machineName(m elf.Machine) string {
	for arch, em := range elfMachines {
		if em == m && arch != "ppc64" && !strings.HasPrefix(arch, "mips") {
			return arch + " (" + m.String() + ")"
		}
	}
	return m.String()
}
