// Package layer turns a list of file-system entries into one reproducible,
// compressed OCI layer in a single streaming pass.
//
// It knows bytes and tar and nothing else: it imports no other lading package,
// never reads the environment, and never holds a whole layer in memory. The
// pipeline is tar writer → diffID sha256 → compressor → digest sha256 + byte
// count → temp file → fsync → rename, so a layer's digest, diffID and size are
// known the moment it is written.
//
// The three seams later work builds on:
//   - [Entry] lists describe a layer; [Collect] makes them from host trees and
//     [Plan] validates, completes and sorts them.
//   - [Header] is the only place a tar header is made (normalisation).
//   - [Compression] pins the compressor, its level and its concurrency.
package layer
