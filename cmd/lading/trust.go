package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/pflag"

	"github.com/lading-dev/lading/builder"
	"github.com/lading-dev/lading/builder/sign"
	"github.com/lading-dev/lading/layer/atomicfile"
)

// trustFlags are `lading build`'s supply-chain flags (issue 12).
type trustFlags struct {
	sbom, provenance bool
	signKey          string
}

func (t *trustFlags) add(fs *pflag.FlagSet) {
	fs.BoolVar(&t.sbom, "sbom", true, "attach an SPDX 2.3 SBOM to every platform image: its files with their sha256, the Go modules of its\n  Go programs, the base; pushed as a referrer, written beside the image in layouts and oci-archives\n  e.g. --sbom=false")
	fs.BoolVar(&t.provenance, "provenance", true, "attach an in-toto SLSA v1 provenance statement to every platform image and the index: the spec, the\n  commit, the bases, the Go toolchain (lading verify rebuilds from it)\n  e.g. --provenance=false")
	fs.StringVar(&t.signKey, "sign-key", "", "sign every pushed manifest and index, and the SBOM and provenance, in cosign's format with this\n  ECDSA P-256 private key (PEM, cosign's encrypted format or plain; password from $LADING_SIGN_PASSWORD,\n  else asked on a terminal); cosign verify --key checks them; needs --push (see lading keygen)\n  e.g. --sign-key cosign.key")
}

// attest fills req.Attest: what to attach, the provenance's facts about
// the spec and its checkout, and the signer.
func (t *trustFlags) attest(ctx context.Context, req *builder.Request, specFile string, git *gitFacts, e env, push bool) error {
	req.Attest = builder.Attest{SBOM: t.sbom, Provenance: t.provenance, LadingVersion: ladingVersion()}
	if t.signKey != "" {
		if !push {
			return usagef("--sign-key signs what is pushed: add --push, or sign later with lading push --sign-key (local outputs carry the SBOM and provenance unsigned)")
		}
		s, err := sign.LoadSigner(t.signKey, signPassword(e, t.signKey))
		if err != nil {
			return usageError{fmt.Errorf("--sign-key: %w", err)}
		}
		req.Attest.Signer = s
	}
	if !t.provenance {
		return nil
	}
	if g, err := git.get(ctx); err == nil && len(g.Commit) == 40 {
		req.Attest.GitCommit, req.Attest.GitRemote, req.Attest.GitDirty = g.Commit, g.Remote, g.Dirty
		if g.Dirty {
			req.Logger.Warn("the checkout has uncommitted changes: the provenance says so, and lading verify, which rebuilds the commit from a clean clone, may not match this image", "commit", g.ShortCommit)
		}
	} else if err == nil {
		// in-toto's digest set knows git commits as SHA-1 ids only.
		req.Logger.Warn("the provenance leaves out the git commit: it is not a SHA-1 id (a SHA-256 repository?), which in-toto's gitCommit cannot hold", "commit", g.Commit)
	}
	if specFile == "" {
		return nil
	}
	b, err := os.ReadFile(specFile)
	if err != nil {
		return fmt.Errorf("read spec for the provenance: %w", err)
	}
	req.Attest.SpecDigest = v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", sha256.Sum256(b))}
	req.Attest.SpecPath = checkoutRelative(specFile)
	return nil
}

// checkoutRelative is path relative to the root of the git checkout it is
// in (the nearest parent holding .git), slash-separated; its file name
// when it is in none (a provenance records no path of this machine).
func checkoutRelative(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Base(path)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			rel, err := filepath.Rel(dir, abs)
			if err == nil {
				return filepath.ToSlash(rel)
			}
			break
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	return filepath.Base(abs)
}

// signPassword returns the password of an encrypted signing key:
// $LADING_SIGN_PASSWORD when set (even empty), else asked on a terminal.
func signPassword(e env, keyFile string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if v, ok := e.lookup("LADING_SIGN_PASSWORD"); ok {
			return []byte(v), nil
		}
		if e.prompt == nil {
			return nil, fmt.Errorf("%s is encrypted: set LADING_SIGN_PASSWORD (stdin is not a terminal to ask on)", keyFile)
		}
		p, err := e.prompt("Password for "+keyFile+": ", true)
		return []byte(p), err
	}
}

const keygenUsage = `Usage: lading keygen [flags]

Writes a new ECDSA P-256 key pair for --sign-key: the private key encrypted
with a password in cosign's format (cosign.key) and the public key
(cosign.pub), which cosign verify --key and lading verify --signature --key
read. The password comes from $LADING_SIGN_PASSWORD (empty is allowed), else
is asked twice on a terminal. Existing files are not replaced.

Keyless signing (Fulcio certificates, the Rekor transparency log) needs
Sigstore's network services, which lading does not reach; verify lading's
signatures with --insecure-ignore-tlog=true.

Flags:
`

// keygenFlags are `lading keygen`'s flags.
type keygenFlags struct{ prefix string }

func (f *keygenFlags) flagSet() *pflag.FlagSet {
	fs := newFlagSet("keygen")
	fs.StringVar(&f.prefix, "output-prefix", "cosign", "write PREFIX.key and PREFIX.pub\n  e.g. --output-prefix release")
	return fs
}

// runKeygen implements `lading keygen`.
func runKeygen(args []string, e env, stdout io.Writer) error {
	var f keygenFlags
	fs := f.flagSet()
	if err := parseFlags(fs, args, keygenUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (name the files with --output-prefix)", fs.Arg(0))
	}
	keyFile, pubFile := f.prefix+".key", f.prefix+".pub"
	for _, f := range []string{keyFile, pubFile} {
		if _, err := os.Lstat(f); err == nil {
			return usagef("%s exists: lading keygen never replaces a key (move it away, or give --output-prefix)", f)
		}
	}
	password, err := newPassword(e)
	if err != nil {
		return err
	}
	priv, pub, err := sign.GenerateKeyPair(password)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(keyFile, 0o600, writeBytes(priv)); err != nil {
		return err
	}
	if err := atomicfile.Write(pubFile, 0o644, writeBytes(pub)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Private key written to %s\nPublic key written to %s\n", keyFile, pubFile)
	return nil
}

// newPassword is a new key's password: $LADING_SIGN_PASSWORD, else asked
// twice on a terminal.
func newPassword(e env) ([]byte, error) {
	if v, ok := e.lookup("LADING_SIGN_PASSWORD"); ok {
		return []byte(v), nil
	}
	if e.prompt == nil {
		return nil, usagef("set LADING_SIGN_PASSWORD to the new key's password (empty is allowed); stdin is not a terminal to ask on")
	}
	p1, err := e.prompt("Enter password for private key: ", true)
	if err != nil {
		return nil, err
	}
	p2, err := e.prompt("Enter password for private key again: ", true)
	if err != nil {
		return nil, err
	}
	if p1 != p2 {
		return nil, errors.New("the passwords do not match")
	}
	return []byte(p1), nil
}

func writeBytes(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}
}

// ladingVersion is lading's module version, "(devel)" in a build from a
// checkout.
func ladingVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
