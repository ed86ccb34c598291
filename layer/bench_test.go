package layer

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// The benchmarks pack one generated tree of 256 MiB of mixed content (half
// random, half word-like text; a few big files, a few dozen medium ones and
// thousands of small ones of varying sizes), so compressors see both
// incompressible and compressible input, and tar framing is a realistic
// share of the work. Issue 3 asked the writer to reach at least 90% of the
// throughput of the baseline: one single-threaded klauspost gzip (level 6)
// or zstd (level 3) stream plus one sha256 over the same tar bytes, with no
// tar framing, no diffID hash and no file to write; that is what the
// compressor was before issue 10 and what ggcr-based tools run. Issue 10
// asks for well over 100% on two cores, from compressing on every core
// (BenchmarkCompressionJobs). Performance is measured here, never asserted:
// see docs/performance.md and `just bench`.

// treeLayout lists groups of count files of about size bytes each; sizes
// under 1 MiB vary from 512 B to twice size.
type treeLayout []struct{ count, size int }

// benchFiles lays out the benchmark tree.
var benchFiles = treeLayout{
	{4, 32 << 20},    // 128 MiB in big files
	{64, 1 << 20},    // 64 MiB in medium files
	{4096, 16 << 10}, // 64 MiB in small files, 512 B to 32 KiB
}

var benchCompressions = []Compression{Gzip, Zstd, None}

// failAfter accepts n bytes, then fails every write with err.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(b []byte) (int, error) {
	if f.n -= len(b); f.n < 0 {
		return 0, f.err
	}
	return len(b), nil
}

func referenceDigests(t *testing.T, entries []Entry, c Compression, epoch time.Time) (diffID, digest string) {
	compressed, raw := sha256.New(), sha256.New()
	comp, err := c.newCompressor(compressed, 0, 1)
	must(t, err)
	tw := tar.NewWriter(io.MultiWriter(raw, comp))
	for _, e := range entries {
		must(t, tw.WriteHeader(Header(e, epoch)))
		if e.Kind == File {
			data, err := os.ReadFile(e.Source)
			must(t, err)
			_, err = tw.Write(data)
			must(t, err)
		}
	}
	must(t, tw.Close())
	must(t, comp.Close())
	return hex.EncodeToString(raw.Sum(nil)), hex.EncodeToString(compressed.Sum(nil))
}

// BenchmarkWriter measures Writer.Write over the generated tree, in tar bytes
// per second (the MB/s column).
func BenchmarkWriter(b *testing.B) {
	fx := newBenchFixture(b)
	for _, c := range benchCompressions {
		b.Run(string(c), func(b *testing.B) {
			b.SetBytes(fx.tarSize)
			for b.Loop() {
				fx.write(b, c)
			}
		})
	}
}

// BenchmarkBaseline measures the pinned compressor plus one sha256 over the
// tar stream BenchmarkWriter produces, read back from a file.
func BenchmarkBaseline(b *testing.B) {
	fx := newBenchFixture(b)
	for _, c := range benchCompressions {
		b.Run(string(c), func(b *testing.B) {
			b.SetBytes(fx.tarSize)
			for b.Loop() {
				fx.baseline(b, c)
			}
		})
	}
}

// BenchmarkCompressionJobs measures what compressing on every core buys:
// each iteration runs Writer.Write with 1 compression job, Writer.Write
// with the default (GOMAXPROCS) and the baseline, one after the other so
// that all three see the same machine load, and reports each one's tar
// bytes per second and the default's speed-up over 1 job and over the
// baseline. ns/op is the three runs' time.
func BenchmarkCompressionJobs(b *testing.B) {
	fx := newBenchFixture(b)
	for _, c := range []Compression{Gzip, Zstd} {
		b.Run(string(c), func(b *testing.B) {
			var one, all, base time.Duration
			for b.Loop() {
				one += timed(func() { fx.write(b, c, WithCompressionJobs(1)) })
				all += timed(func() { fx.write(b, c) })
				base += timed(func() { fx.baseline(b, c) })
			}
			oneMBs, allMBs, baseMBs := fx.mbps(one, b.N), fx.mbps(all, b.N), fx.mbps(base, b.N)
			b.ReportMetric(oneMBs, "jobs=1-MB/s")
			b.ReportMetric(allMBs, fmt.Sprintf("jobs=%d-MB/s", runtime.GOMAXPROCS(0)))
			b.ReportMetric(baseMBs, "baseline-MB/s")
			b.ReportMetric(allMBs/oneMBs, "x-of-1-job")
			b.ReportMetric(allMBs/baseMBs, "x-of-baseline")
		})
	}
}

// BenchmarkWriterVsBaseline alternates one writer run and one baseline run
// per iteration, so both see the same machine load, and reports both
// throughputs and the writer's share of the baseline in percent. This is the
// figure issue 3 asked for (at least 90 for gzip) and issue 10 raises (well
// over 100 on two cores); ns/op is the pair's time.
func BenchmarkWriterVsBaseline(b *testing.B) {
	fx := newBenchFixture(b)
	for _, c := range benchCompressions {
		b.Run(string(c), func(b *testing.B) {
			var writer, base time.Duration
			for b.Loop() {
				writer += timed(func() { fx.write(b, c) })
				base += timed(func() { fx.baseline(b, c) })
			}
			wMBs, bMBs := fx.mbps(writer, b.N), fx.mbps(base, b.N)
			b.ReportMetric(wMBs, "writer-MB/s")
			b.ReportMetric(bMBs, "baseline-MB/s")
			b.ReportMetric(100*wMBs/bMBs, "%-of-baseline")
		})
	}
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// benchFixture is a generated tree, its planned entries and its tar stream.
type benchFixture struct {
	entries []Entry
	tarPath string
	tarSize int64
	outDir  string
	buf     []byte
}

func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	root := b.TempDir()
	tree := filepath.Join(root, "tree")
	mustB(b, genTree(tree, benchFiles))
	// Flush the new tree to disk now, or its writeback competes with the
	// first timed run's fsync and makes that run an outlier.
	syscall.Sync()
	entries, err := Collect(tree, "/data", CollectOptions{})
	mustB(b, err)
	entries, err = Plan(entries)
	mustB(b, err)
	fx := &benchFixture{entries: entries, outDir: root, buf: make([]byte, 256<<10)}
	l := fx.writeLayer(b, None)
	fx.tarPath, fx.tarSize = l.Path(), l.uncompressedSize
	return fx
}

func (fx *benchFixture) writeLayer(b *testing.B, c Compression, opts ...Option) *Layer {
	b.Helper()
	w, err := NewWriter(fx.outDir, append([]Option{WithCompression(c, 0)}, opts...)...)
	mustB(b, err)
	l, err := w.Write(context.Background(), fx.entries)
	mustB(b, err)
	return l
}

// write is one timed writer run. Removing its output is not timed, and
// neither is the sync after it: on a file system mounted with discard (as
// the project's machines are) freeing a big file's blocks costs disk time at
// the next commit, which would otherwise land in the next run's fsync.
func (fx *benchFixture) write(b *testing.B, c Compression, opts ...Option) {
	l := fx.writeLayer(b, c, opts...)
	b.StopTimer()
	if l.Path() != fx.tarPath {
		mustB(b, os.Remove(l.Path()))
	}
	syscall.Sync()
	b.StartTimer()
}

// baseline compresses the tar stream with c as one single-threaded stream
// (streamCompressor) and hashes the compressed bytes, the least work that
// yields a layer blob and its digest on one core.
func (fx *benchFixture) baseline(b *testing.B, c Compression) {
	f, err := os.Open(fx.tarPath)
	mustB(b, err)
	defer f.Close()
	h := sha256.New()
	comp, err := streamCompressor(h, c)
	mustB(b, err)
	_, err = io.CopyBuffer(comp, f, fx.buf)
	mustB(b, err)
	mustB(b, comp.Close())
	h.Sum(nil)
}

// streamCompressor is c at its pinned level as one klauspost stream on one
// goroutine: lading's compressor before issue 10, and the baseline's.
func streamCompressor(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewWriterLevel(w, DefaultGzipLevel)
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(DefaultZstdLevel)),
			zstd.WithEncoderConcurrency(1))
	}
	return nopWriteCloser{w}, nil
}

func (fx *benchFixture) mbps(d time.Duration, n int) float64 {
	return float64(fx.tarSize) * float64(n) / 1e6 / d.Seconds()
}

// genTree writes a tree with the given layout under dir, alternating random
// and text files. Content is seeded, so every run packs the same bytes.
func genTree(dir string, layout treeLayout) error {
	rng := rand.New(rand.NewPCG(3, 3))
	for g, spec := range layout {
		for i := range spec.count {
			size := spec.size
			if spec.size < 1<<20 {
				size = 512 + rng.IntN(2*spec.size-512)
			}
			p := filepath.Join(dir, fmt.Sprintf("g%d", g), fmt.Sprintf("d%02d", i%32), fmt.Sprintf("f%05d", i))
			if err := genFile(p, rng, size, i%2 == 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func genFile(p string, rng *rand.Rand, size int, random bool) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	data := make([]byte, size)
	if random {
		fillRandom(data, rng)
	} else {
		fillText(data, rng)
	}
	return os.WriteFile(p, data, 0o644)
}

func fillRandom(data []byte, rng *rand.Rand) {
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(rng.Uint32())
	}
	_, _ = rand.NewChaCha8(seed).Read(data)
}

// benchWords make text that gzip shrinks about 3 to 4 times, like source
// code and configuration.
var benchWords = []string{"the ", "layer ", "image ", "func ", "return ", "err ", "nil ", "if ",
	"{\n", "}\n", "\t", "config ", "path ", "digest ", "sha256:", "0x1f ", "= ", "\"value\" ",
	"// ", "import ", "package ", "error ", "context ", "build ", "entry\n", ":= ", "for ", "range "}

func fillText(data []byte, rng *rand.Rand) {
	for n := 0; n < len(data); {
		n += copy(data[n:], benchWords[rng.IntN(len(benchWords))])
	}
}

// mustB is plan_test.go's must for benchmarks.
func mustB(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
