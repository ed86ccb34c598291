package layer

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// stamp is what Sums knows a host file by: if any field differs, the file
// may have changed and is read again.
type stamp struct {
	dev, ino         uint64
	size             int64
	mtimeNs, ctimeNs int64
}

// stampOf returns a regular file's stamp from its stat.
func stampOf(info fs.FileInfo) stamp {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return stamp{}
	}
	return stamp{dev: uint64(st.Dev), ino: uint64(st.Ino), size: info.Size(),
		mtimeNs: st.Mtim.Nano(), ctimeNs: st.Ctim.Nano()}
}

// racyWindow is how far before the moment a file was hashed its mtime and
// ctime must lie for its digest to be remembered. A file changed within the
// same timestamp tick as the hash could change again without its stamp
// changing ("racily clean", as git calls it), so such a file is hashed
// again next time. Two seconds covers file systems with coarse timestamps.
const racyWindow = 2 * time.Second

// Sums remembers host files' content digests by stamp (device, inode, size,
// mtime and ctime in nanoseconds), so that computing a layer's cache key
// does not read files that have not changed. It is safe for concurrent use.
// The zero value is not usable; call NewSums.
type Sums struct {
	mu    sync.Mutex
	known map[stamp]v1.Hash
	now   func() time.Time
}

// NewSums returns an empty Sums.
func NewSums() *Sums { return &Sums{known: map[stamp]v1.Hash{}, now: time.Now} }

// fileDigest returns the sha256 of a host file's content, from memory when
// its stamp is known; otherwise it reads the file and remembers the digest
// unless the file is racily clean or changed while it was read.
func (s *Sums) fileDigest(e Entry) (v1.Hash, error) {
	s.mu.Lock()
	d, ok := s.known[e.stamp]
	s.mu.Unlock()
	if ok && e.stamp != (stamp{}) {
		return d, nil
	}
	start := s.now()
	d, st, err := hashFile(e.Source)
	if err != nil {
		return v1.Hash{}, err
	}
	if e.stamp == (stamp{}) {
		return d, nil // not listed from the host by Collect: nothing to key it by
	}
	if st != e.stamp {
		return v1.Hash{}, fmt.Errorf("read %s: file changed while the build was listing it", e.Source)
	}
	limit := start.Add(-racyWindow).UnixNano()
	if st.mtimeNs < limit && st.ctimeNs < limit {
		s.mu.Lock()
		s.known[st] = d
		s.mu.Unlock()
	}
	return d, nil
}

// hashFile returns a file's content digest and its stamp once read.
func hashFile(path string) (v1.Hash, stamp, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return v1.Hash{}, stamp{}, fmt.Errorf("open %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	d, _, err := HashCopy(io.Discard, f)
	if err != nil {
		return v1.Hash{}, stamp{}, fmt.Errorf("read %s: %w", path, unwrapPathError(err))
	}
	info, err := f.Stat()
	if err != nil {
		return v1.Hash{}, stamp{}, fmt.Errorf("stat %s: %w", path, unwrapPathError(err))
	}
	return d, stampOf(info), nil
}

// Encode writes every remembered digest, one line each, for Decode.
func (s *Sums) Encode(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	bw := bufio.NewWriter(w)
	for st, d := range s.known {
		fmt.Fprintf(bw, "%d %d %d %d %d %s\n", st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs, d.Hex)
	}
	return bw.Flush()
}

// Decode adds the digests Encode wrote; a malformed line ends the read with
// an error, keeping what came before it.
func (s *Sums) Decode(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		st, d, err := parseSum(sc.Text())
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.known[st] = d
		s.mu.Unlock()
	}
	return sc.Err()
}

// parseSum parses one line of Encode's output.
func parseSum(line string) (stamp, v1.Hash, error) {
	f := strings.Fields(line)
	if len(f) != 6 || len(f[5]) != 64 {
		return stamp{}, v1.Hash{}, fmt.Errorf("malformed sums line %q", line)
	}
	var n [5]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return stamp{}, v1.Hash{}, fmt.Errorf("malformed sums line %q", line)
		}
		n[i] = v
	}
	d, err := v1.NewHash("sha256:" + f[5])
	if err != nil {
		return stamp{}, v1.Hash{}, fmt.Errorf("malformed sums line %q: %w", line, err)
	}
	return stamp{dev: uint64(n[0]), ino: uint64(n[1]), size: n[2], mtimeNs: n[3], ctimeNs: n[4]}, d, nil
}

// Len returns how many digests are remembered.
func (s *Sums) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.known)
}

// Digest returns the sha256 of the regular file at path, from memory when
// its stamp is known, as a layer key would see it.
func (s *Sums) Digest(path string) (v1.Hash, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("stat %s: %w", path, unwrapPathError(err))
	}
	if !info.Mode().IsRegular() {
		return v1.Hash{}, fmt.Errorf("%s is not a regular file", path)
	}
	return s.fileDigest(Entry{Source: path, stamp: stampOf(info)})
}
