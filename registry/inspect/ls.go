package inspect

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteFiles writes files as `ls -l` would, one line each: mode, uid:gid,
// size, mtime (UTC), the layer it comes from, path and link target.
func WriteFiles(w io.Writer, files []File) error {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	for _, f := range files {
		fmt.Fprintf(tw, "%s\t%d:%d\t%d\t%s\tlayer %d\t%s\n", modeString(f), f.UID, f.GID, f.Size,
			f.Mtime.Format(time.RFC3339), f.Layer, safe(f.Path)+linkSuffix(f))
	}
	return tw.Flush()
}

// linkSuffix is " -> TARGET" for a symlink, " link to TARGET" for a
// hardlink (as tar -tv writes them), else "".
func linkSuffix(f File) string {
	switch f.Type {
	case "symlink":
		return " -> " + safe(f.Target)
	case "hardlink":
		return " link to " + safe(f.Target)
	}
	return ""
}

// typeChars is ls's first mode character per entry type.
var typeChars = map[string]byte{"dir": 'd', "symlink": 'l', "char": 'c', "block": 'b', "fifo": 'p'}

// modeString is ls's "drwxr-xr-x", setuid, setgid and sticky included.
func modeString(f File) string {
	b := []byte("----------")
	if c, ok := typeChars[f.Type]; ok {
		b[0] = c
	}
	for i, c := range "rwxrwxrwx" {
		if f.Mode&(1<<(8-i)) != 0 {
			b[i+1] = byte(c)
		}
	}
	special(b, 3, f.Mode&0o4000 != 0, 's')
	special(b, 6, f.Mode&0o2000 != 0, 's')
	special(b, 9, f.Mode&0o1000 != 0, 't')
	return string(b)
}

// special marks a setuid, setgid or sticky bit at b[i]: lowercase over an
// x, uppercase where there is none.
func special(b []byte, i int, set bool, c byte) {
	switch {
	case !set:
	case b[i] == 'x':
		b[i] = c
	default:
		b[i] = strings.ToUpper(string(c))[0]
	}
}

// Under keeps the files at or below the clean absolute path p.
func Under(files []File, p string) []File {
	var out []File
	for _, f := range files {
		if p == "/" || f.Path == p || strings.HasPrefix(f.Path, p+"/") {
			out = append(out, f)
		}
	}
	return out
}
