package layer

import (
	"fmt"
	"io/fs"
)

// Kind is the type of a layer entry.
type Kind int

const (
	// File is a regular file whose content comes from Entry.Source.
	File Kind = iota
	// Dir is a directory.
	Dir
	// Symlink is a symbolic link to Entry.Target, stored as written.
	Symlink
	// Hardlink is a hard link to the entry at path Entry.Target, which must be
	// a regular file in the same layer.
	Hardlink
)

// String returns the kind's name, as used in error messages.
func (k Kind) String() string {
	switch k {
	case File:
		return "file"
	case Dir:
		return "directory"
	case Symlink:
		return "symlink"
	case Hardlink:
		return "hardlink"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Entry is one path in a layer.
//
// Path is the absolute destination inside the image ("/usr/bin/app"). Source
// is the host path a File's bytes are read from, and the path named in errors
// for every kind that came from the host. Mode is used only when ModeSet is
// true; otherwise [Header] picks the normalised default for the kind. Special
// bits (setuid, setgid, sticky) survive only when KeepSpecial is true.
type Entry struct {
	Kind        Kind
	Path        string
	Source      string
	Target      string
	Mode        fs.FileMode
	ModeSet     bool
	KeepSpecial bool
	UID, GID    int
	// Data is a File's content when Source is empty (files lading
	// synthesizes, such as a base image's /etc/passwd); Size must equal
	// len(Data). Use [FileData] to build such an entry.
	Data []byte
	// Size is a File's byte count, checked against the bytes actually read so
	// a file that changes while it is packed is an error, not a corrupt layer.
	Size int64
	// inode identifies a host file so that hardlinks can be found by Plan;
	// zero when unknown.
	inode fileID
	// stamp is the host file's stat when it was listed, which Sums keys
	// content digests by; zero for entries not read from the host.
	stamp stamp
}

// fileID identifies a file on the host: device and inode number.
type fileID struct{ dev, ino uint64 }

// origin names where an entry came from, for error messages.
func (e Entry) origin() string {
	if e.Source != "" {
		return e.Source
	}
	return e.Path
}

// FileData returns a File entry at path holding data, owned by root.
func FileData(path string, data []byte, mode fs.FileMode) Entry {
	return Entry{Kind: File, Path: path, Data: data, Size: int64(len(data)), Mode: mode, ModeSet: true}
}
