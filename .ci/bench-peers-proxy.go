// Command bench-peers-proxy is .ci/bench-peers's counting proxy: it listens
// on a free loopback port, prints its address on stdout, forwards every
// request to the registry named by its argument, and counts the request
// body bytes of blob uploads (POST, PATCH and PUT under /blobs/uploads/),
// so the benchmark can say how many blob bytes a push sent whatever the
// client. GET /-/count answers the count so far; POST /-/reset zeroes it.
// Not part of lading: the leading dot of .ci keeps it out of ./... .
//
// Usage: go run .ci/bench-peers-proxy.go 127.0.0.1:5000
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: bench-peers-proxy REGISTRY_HOST:PORT")
	}
	target := &url.URL{Scheme: "http", Host: os.Args[1]}
	var bytes, uploads atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /-/count", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%d %d\n", bytes.Load(), uploads.Load())
	})
	mux.HandleFunc("POST /-/reset", func(w http.ResponseWriter, _ *http.Request) {
		bytes.Store(0)
		uploads.Store(0)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/uploads/") && r.Method != http.MethodGet &&
			r.Method != http.MethodHead && r.Method != http.MethodDelete && r.Body != nil {
			r.Body = &counter{r.Body, &bytes}
			if r.Method == http.MethodPut {
				uploads.Add(1)
			}
		}
		proxy.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(l.Addr().String())
	log.Fatal(http.Serve(l, mux))
}

// counter adds the bytes read through it to n.
type counter struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	k, err := c.ReadCloser.Read(p)
	c.n.Add(int64(k))
	return k, err
}
