package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/lading-dev/lading/layer"
)

// runVersion prints lading's version, the Go version and the compressor pin.
func runVersion(stdout io.Writer) error {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v = bi.Main.Version
	}
	_, err := fmt.Fprintf(stdout, "lading %s\ngo %s %s/%s\ncompressor %s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH, layer.CompressorSettings())
	return err
}
