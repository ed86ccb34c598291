package layer

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/klauspost/compress/flate"
)

// gzipBlocks is the gzip format as pigz writes it: one gzip member whose
// deflate stream is cut into blocks compressed independently, then simply
// concatenated. Deflate lets a stream be resumed from any byte boundary, so:
//
//   - every block but the last ends with a sync flush (an empty stored
//     block, 00 00 ff ff), which byte-aligns it and leaves BFINAL unset;
//     the last block ends with Close, which sets BFINAL;
//   - every block but the first is primed with the previous block's last
//     32 KiB (deflate's whole window) as a preset dictionary, so matches
//     reach back across block boundaries exactly as far as deflate allows,
//     and the output is within a fraction of a percent of one stream;
//   - the member's trailer is the CRC-32 and size of all input, summed in
//     input order by the emitter.
//
// A block's bytes thus depend only on its input, the 32 KiB before it and
// whether it is last; any reader of gzip sees one ordinary member.
type gzipBlocks struct {
	level int
	crc   uint32
	size  uint32 // ISIZE: the input size modulo 2^32
}

var _ blockFormat = (*gzipBlocks)(nil)

// header is RFC 1952's fixed header: deflate, no flags, MTIME 0 (none),
// XFL as zlib sets it for the level, OS 255 (unknown): nothing of the host.
func (g *gzipBlocks) header() []byte {
	xfl := byte(0)
	switch g.level {
	case flate.BestCompression:
		xfl = 2
	case flate.BestSpeed:
		xfl = 4
	}
	return []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255}
}

func (g *gzipBlocks) dictSize() int { return 32 << 10 }

func (g *gzipBlocks) newEncoder() (blockEncoder, error) {
	fw, err := flate.NewWriter(nil, g.level)
	if err != nil {
		return nil, err
	}
	return &gzipEncoder{fw: fw}, nil
}

func (g *gzipBlocks) sum(in []byte) {
	g.crc = crc32.Update(g.crc, crc32.IEEETable, in)
	g.size += uint32(len(in))
}

func (g *gzipBlocks) trailer() []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, g.crc), g.size)
}

// gzipEncoder is one worker's deflate writer, reset for every block.
type gzipEncoder struct {
	fw  *flate.Writer
	out sliceWriter
}

// encode deflates b.in after priming the window with b.dict. ResetDict
// (never Reset, which would re-prime with a stale dictionary) returns the
// writer to the state of flate.NewWriterDict: TestBlockEncodersAreStateless
// checks that a reused writer gives a fresh one's bytes.
func (e *gzipEncoder) encode(dst []byte, b *block) ([]byte, error) {
	e.out = sliceWriter(dst)
	e.fw.ResetDict(&e.out, b.dict)
	_, err := e.fw.Write(b.in)
	if err == nil && b.last {
		err = e.fw.Close()
	} else if err == nil {
		err = e.fw.Flush()
	}
	return e.out, err
}

// sliceWriter appends what is written to it.
type sliceWriter []byte

func (s *sliceWriter) Write(p []byte) (int, error) {
	*s = append(*s, p...)
	return len(p), nil
}
