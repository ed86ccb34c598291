package layer

import (
	"bytes"
	stdgzip "compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// TestCompressionJobsSameBytes builds one layer of a few MiB of mixed
// random and text files with 1, 2 and 8 compression jobs and checks that
// every job count writes the same bytes, which decompress to the tar. Its
// digests are pinned too, like TestGoldenDigests' but over many blocks, so
// that a change to block framing or dictionary carry-over fails here.
func TestCompressionJobsSameBytes(t *testing.T) {
	golden := map[Compression]string{
		Gzip: "sha256:77aeadee4616a7d73ac2f7494898da666ce648c7d19904934cbf07167a7df703",
		Zstd: "sha256:4ab1dcbc6e0eaa0d0301a9b5656ac210f3bdbd39649b185848f9b5ccd8ba3646",
	}
	dir := t.TempDir()
	must(t, genTree(dir, treeLayout{{2, 2 << 20}, {3, 1 << 20}, {200, 8 << 10}}))
	entries, err := Collect(dir, "/data", CollectOptions{})
	must(t, err)
	entries, err = Plan(entries)
	must(t, err)
	tarBytes := readAll(t, writeLayer(t, entries, WithCompression(None, 0)).Path())
	for _, c := range []Compression{Gzip, Zstd} {
		t.Run(string(c), func(t *testing.T) {
			var first []byte
			for _, jobs := range []int{1, 2, 8} {
				got := readAll(t, writeLayer(t, entries, WithCompression(c, 0), WithCompressionJobs(jobs)).Path())
				if first == nil {
					first = got
					checkDecompresses(t, c, got, tarBytes)
					if d := sha256Digest(got); d != golden[c] {
						t.Errorf("digest = %s, want %s", d, golden[c])
					}
				} else if !bytes.Equal(got, first) {
					t.Errorf("%d jobs wrote %d bytes unlike 1 job's %d", jobs, len(got), len(first))
				}
			}
		})
	}
}

// TestParallelWriterEdges compresses streams whose sizes sit on and around
// block boundaries, written in odd-sized pieces, with 1 and 3 jobs.
func TestParallelWriterEdges(t *testing.T) {
	data := mixedData(3*compressBlockSize + 1)
	for _, c := range []Compression{Gzip, Zstd} {
		for _, n := range []int{0, 1, compressBlockSize - 1, compressBlockSize, compressBlockSize + 1, len(data)} {
			one, three := compress(t, c, data[:n], 1), compress(t, c, data[:n], 3)
			if !bytes.Equal(one, three) {
				t.Errorf("%s, %d bytes: 1 job and 3 jobs differ", c, n)
			}
			checkDecompresses(t, c, one, data[:n])
		}
	}
}

// TestBlockEncodersAreStateless checks that a worker's reused encoder gives
// each block the bytes a fresh encoder gives it, whatever it encoded
// before: the property that makes output independent of the job count.
func TestBlockEncodersAreStateless(t *testing.T) {
	data := mixedData(4 * compressBlockSize)
	blocks := []*block{
		{seq: 1, in: data[:compressBlockSize], dict: data[3*compressBlockSize-32<<10 : 3*compressBlockSize]},
		{seq: 0, in: data[compressBlockSize : 2*compressBlockSize]},
		{seq: 2, in: data[2*compressBlockSize : 3*compressBlockSize-5], dict: data[:32<<10], last: true},
		{seq: 3, in: nil, dict: data[compressBlockSize-32<<10 : compressBlockSize], last: true},
		{seq: 4, in: data[:compressBlockSize], dict: data[3*compressBlockSize-32<<10 : 3*compressBlockSize]},
	}
	for _, f := range []blockFormat{&gzipBlocks{level: DefaultGzipLevel}, &zstdBlocks{level: DefaultZstdLevel}} {
		reused, err := f.newEncoder()
		must(t, err)
		for i, b := range blocks {
			got, err := reused.encode(nil, b)
			must(t, err)
			if want := freshEncode(t, f, b); !bytes.Equal(got, want) {
				t.Errorf("%T block %d: reused encoder wrote %d bytes, a fresh one %d", f, i, len(got), len(want))
			}
		}
	}
}

// freshEncode encodes b the way its format defines it: gzip with
// flate.NewWriterDict, zstd with a new encoder.
func freshEncode(t *testing.T, f blockFormat, b *block) []byte {
	t.Helper()
	g, ok := f.(*gzipBlocks)
	if !ok {
		enc, err := f.newEncoder()
		must(t, err)
		out, err := enc.encode(nil, b)
		must(t, err)
		return out
	}
	var buf bytes.Buffer
	fw, err := flate.NewWriterDict(&buf, g.level, b.dict)
	must(t, err)
	_, err = fw.Write(b.in)
	must(t, err)
	if b.last {
		must(t, fw.Close())
	} else {
		must(t, fw.Flush())
	}
	return buf.Bytes()
}

// TestParallelWriterStopsOnError checks that a failing destination
// surfaces its error from Write and Close instead of deadlocking.
func TestParallelWriterStopsOnError(t *testing.T) {
	boom := errors.New("disk full")
	w, err := Gzip.newCompressor(&failAfter{n: compressBlockSize, err: boom}, 0, 2)
	must(t, err)
	data := mixedData(compressBlockSize)
	for i := 0; err == nil && i < 100; i++ {
		_, err = w.Write(data)
	}
	if !errors.Is(err, boom) {
		t.Errorf("Write error = %v, want %v", err, boom)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close error = %v, want %v", err, boom)
	}
}

// checkDecompresses checks that z decompresses to want with a reader other
// than the writer's: the standard library's for gzip (as one member, not
// several), klauspost's decoder for zstd.
func checkDecompresses(t *testing.T, c Compression, z, want []byte) {
	t.Helper()
	var r io.Reader
	if c == Gzip {
		gr, err := stdgzip.NewReader(bytes.NewReader(z))
		must(t, err)
		gr.Multistream(false)
		r = gr
	} else {
		zr, err := zstd.NewReader(bytes.NewReader(z))
		must(t, err)
		defer zr.Close()
		r = zr
	}
	got, err := io.ReadAll(r)
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Errorf("%s stream decompressed to %d bytes, want the %d written", c, len(got), len(want))
	}
}

// compress compresses data with c on jobs workers, in writes of 100,003
// bytes, so that writes straddle block boundaries.
func compress(t *testing.T, c Compression, data []byte, jobs int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := c.newCompressor(&buf, 0, jobs)
	must(t, err)
	for p := data; len(p) > 0; {
		n := min(len(p), 100_003)
		_, err := w.Write(p[:n])
		must(t, err)
		p = p[n:]
	}
	must(t, w.Close())
	return buf.Bytes()
}

// mixedData returns n seeded bytes, alternating 64 KiB of random bytes and
// 64 KiB of text.
func mixedData(n int) []byte {
	rng := rand.New(rand.NewPCG(10, 10))
	data := make([]byte, n)
	for i := 0; i < n; i += 64 << 10 {
		chunk := data[i:min(n, i+64<<10)]
		if i/(64<<10)%2 == 0 {
			fillRandom(chunk, rng)
		} else {
			fillText(chunk, rng)
		}
	}
	return data
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return b
}
