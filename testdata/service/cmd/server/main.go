// Command server is lading's example service: a small HTTP server for the
// static assets and the build-info file its image holds. Run with --once
// (or LADING_EXAMPLE_ONCE=1) it prints its banner and the build info, then
// exits, so tests can run the image under runc and read what it says. Its
// flags come from github.com/spf13/pflag, so its SBOM lists a Go module
// besides the standard library (issue 12).
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"

	flag "github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	port := flag.String("port", envOr("PORT", "8080"), "port to listen on")
	static := flag.String("static", "/srv/static", "directory of static assets")
	info := flag.String("info", "/srv/generated/build-info.txt", "file the build step generated")
	once := flag.Bool("once", os.Getenv("LADING_EXAMPLE_ONCE") != "", "print the banner and build info, then exit")
	flag.Parse()
	fmt.Printf("lading example service %s listening on :%s as uid %d\n", version, *port, os.Getuid())
	if *once {
		fmt.Println("build info:", buildInfo(*info))
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(*static)))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	log.Fatal(http.ListenAndServe(":"+*port, mux))
}

// buildInfo returns the generated file's first line, or why there is none.
func buildInfo(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unavailable (" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
