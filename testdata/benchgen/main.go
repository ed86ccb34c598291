// Command benchgen writes the large host trees .ci/bench-rss packs to
// measure lading's peak memory (issue 3): a tree of a few big and many medium
// files, and a tree of very many small files. Content is seeded, half random
// and half word-like text, so every run packs the same bytes and the
// compressor sees both incompressible and compressible input.
//
// Usage: go run ./testdata/benchgen -layout big|many -out DIR
//
// It lives under testdata/ so that `go test ./...` and `go vet ./...` skip it.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// group is count files of about size bytes each, spread over dirs
// directories; sizes under 1 MiB vary from 0 to twice size.
type group struct {
	name        string
	count, size int
	dirs        int
}

var layouts = map[string][]group{
	// big: 2 GiB in 4 files of 256 MiB and 1,024 files of 1 MiB.
	"big": {{"big", 4, 256 << 20, 1}, {"medium", 1024, 1 << 20, 32}},
	// many: 100,000 files of 0 to 4 KiB (about 200 MB), 1,000 per directory.
	"many": {{"small", 100_000, 2 << 10, 100}},
}

func main() {
	layout := flag.String("layout", "", "tree to write: big (2 GiB) or many (100,000 files)")
	out := flag.String("out", "", "directory to create the tree in; must not exist")
	flag.Parse()
	if err := run(*layout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func run(layout, out string) error {
	groups, ok := layouts[layout]
	if !ok || out == "" {
		return errors.New("usage: benchgen -layout big|many -out DIR")
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		return err
	}
	g := &gen{rng: rand.New(rand.NewPCG(1, 2)), buf: make([]byte, 1<<20)}
	for _, gr := range groups {
		for i := range gr.count {
			size := gr.size
			if size < 1<<20 {
				size = g.rng.IntN(2 * gr.size)
			}
			p := filepath.Join(out, gr.name, fmt.Sprintf("d%03d", i%gr.dirs), fmt.Sprintf("f%06d", i))
			if err := g.file(p, int64(size), i%2 == 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// gen writes seeded file contents through one reused buffer.
type gen struct {
	rng *rand.Rand
	buf []byte
}

func (g *gen) file(p string, size int64, random bool) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(g.rng.Uint32())
	}
	src := rand.NewChaCha8(seed)
	for size > 0 {
		chunk := g.buf[:min(int64(len(g.buf)), size)]
		if random {
			_, _ = src.Read(chunk)
		} else {
			g.text(chunk)
		}
		if _, err := w.Write(chunk); err != nil {
			f.Close()
			return err
		}
		size -= int64(len(chunk))
	}
	return errors.Join(w.Flush(), f.Close())
}

// words make text that gzip shrinks about 3 to 4 times, like source code.
var words = []string{"the ", "layer ", "image ", "func ", "return ", "err ", "nil ", "if ",
	"{\n", "}\n", "\t", "config ", "path ", "digest ", "sha256:", "0x1f ", "= ", "\"value\" ",
	"// ", "import ", "package ", "error ", "context ", "build ", "entry\n", ":= ", "for ", "range "}

func (g *gen) text(b []byte) {
	for n := 0; n < len(b); {
		n += copy(b[n:], words[g.rng.IntN(len(words))])
	}
}
