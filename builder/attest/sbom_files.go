package attest

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// noAssertion is SPDX's "no attempt was made to determine this".
const noAssertion = "NOASSERTION"

// fileSet is an image's files as SPDX elements, sorted by path.
type fileSet struct {
	list []*spdx.File
	ids  map[string]common.ElementID // by path in the image
	// verificationCode is the image package's (SPDX 2.3 clause 7.9): the
	// SHA-1 of its files' sorted SHA-1s; "" with no files.
	verificationCode string
}

// spdxFiles checks img's files and makes their SPDX elements. A Go
// binary's file is typed BINARY.
func spdxFiles(img Image) (fileSet, error) {
	files := slices.Clone(img.Files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	binaries := map[string]bool{}
	for _, g := range img.Go {
		binaries[g.Path] = true
	}
	set := fileSet{ids: map[string]common.ElementID{}}
	seen := map[common.ElementID]string{}
	var sha1s []string
	for i, f := range files {
		if err := checkFile(img.Name, f); err != nil {
			return fileSet{}, err
		}
		if i > 0 && files[i-1].Path == f.Path {
			return fileSet{}, fmt.Errorf("SBOM of %s: file %s is listed twice (layers %q and %q); list only the copy the image shows",
				img.Name, f.Path, files[i-1].Layer, f.Layer)
		}
		id := elementID("File", strings.TrimPrefix(f.Path, "/"), f.Path)
		if other, dup := seen[id]; dup {
			return fileSet{}, fmt.Errorf("SBOM of %s: files %s and %s have the same SPDX identifier %s", img.Name, other, f.Path, id)
		}
		seen[id] = f.Path
		set.ids[f.Path] = id
		set.list = append(set.list, spdxFile(f, id, binaries[f.Path]))
		sha1s = append(sha1s, f.SHA1)
	}
	if len(sha1s) > 0 {
		slices.Sort(sha1s)
		sum := sha1.Sum([]byte(strings.Join(sha1s, "")))
		set.verificationCode = hex.EncodeToString(sum[:])
	}
	return set, nil
}

func checkFile(image string, f File) error {
	switch {
	case !strings.HasPrefix(f.Path, "/"):
		return fmt.Errorf("SBOM of %s: file path %q is not absolute", image, f.Path)
	case !isSHA256(f.SHA256):
		return fmt.Errorf("SBOM of %s: file %s has no sha256 digest (%q)", image, f.Path, f.SHA256)
	case !isHex(f.SHA1, 2*sha1.Size):
		return fmt.Errorf("SBOM of %s: file %s has no SHA-1 (%q); SPDX 2.3 requires one on every file", image, f.Path, f.SHA1)
	}
	return nil
}

// spdxFile is f as an SPDX file. Its name is relative to the image's root,
// "./usr/bin/app", as clause 8.1 asks; the comment says which layer placed
// it. Licensing fields are optional in SPDX 2.3 and left out; the copyright
// text is NOASSERTION because the JSON model always writes that field.
func spdxFile(f File, id common.ElementID, binary bool) *spdx.File {
	file := &spdx.File{
		FileName:           "." + f.Path,
		FileSPDXIdentifier: id,
		Checksums: []common.Checksum{
			{Algorithm: common.SHA1, Value: f.SHA1},
			{Algorithm: common.SHA256, Value: f.SHA256.Hex},
		},
		FileCopyrightText: noAssertion,
		FileComment:       fmt.Sprintf("layer %s, %d bytes", f.Layer, f.Size),
	}
	if binary {
		file.FileTypes = []string{"BINARY"}
	}
	return file
}

// elementID makes an SPDX identifier (clause 3.2: letters, digits, '.'
// and '-') that a person can read and that stays put when other elements
// come and go: kind, label with every other character made '-', and eight
// hex digits of key's sha256 so that labels that read alike stay apart.
func elementID(kind, label, key string) common.ElementID {
	var b strings.Builder
	b.WriteString(kind + "-")
	for _, r := range label {
		if r < 128 && (r == '.' || r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	sum := sha256.Sum256([]byte(key))
	b.WriteString("-" + hex.EncodeToString(sum[:4]))
	return common.ElementID(b.String())
}
