package attest

import (
	"bytes"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// executableMagic lists how the executable formats debug/buildinfo reads
// begin: ELF, PE, Mach-O (both byte orders, 32 and 64 bit), Mach-O
// universal and XCOFF. A file that begins otherwise is not opened as one.
var executableMagic = [][]byte{
	[]byte("\x7fELF"), []byte("MZ"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe}, {0xca, 0xfe, 0xba, 0xbf},
	{0x01, 0xdf}, {0x01, 0xf7},
}

// GoBinaryInfo reads the Go build information of the host file at path,
// which the image holds at imagePath. It returns false and no error for a
// file that is not a Go executable: a non-executable is told by its first
// bytes, without parsing. An executable that is not Go, or whose build
// information cannot be found, is not one either; only a failure to read
// the file is an error.
func GoBinaryInfo(path, imagePath string) (*GoBinary, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, fmt.Errorf("read Go build info: %w", err)
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("read Go build info from %s: %w", path, err)
	}
	if !isExecutable(head) {
		return nil, false, nil
	}
	r := &readErrAt{r: f}
	info, err := buildinfo.Read(r)
	if r.err != nil {
		return nil, false, fmt.Errorf("read Go build info from %s: %w", path, r.err)
	}
	if err != nil {
		return nil, false, nil
	}
	return goBinary(info, imagePath), true, nil
}

func isExecutable(head []byte) bool {
	for _, m := range executableMagic {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// goBinary converts build information to a GoBinary.
func goBinary(info *debug.BuildInfo, imagePath string) *GoBinary {
	g := &GoBinary{Path: imagePath, GoVersion: info.GoVersion, Main: module(&info.Main)}
	for _, d := range info.Deps {
		g.Deps = append(g.Deps, module(d))
	}
	return g
}

func module(m *debug.Module) Module {
	out := Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		r := module(m.Replace)
		out.Replace = &r
	}
	return out
}

// readErrAt remembers the first read error other than end of file:
// debug/buildinfo reports any failure as "unrecognized file format", and
// a file that could not be read must not pass for one that is not Go.
type readErrAt struct {
	r   io.ReaderAt
	err error
}

var _ io.ReaderAt = (*readErrAt)(nil)

// ReadAt implements io.ReaderAt.
func (r *readErrAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}
