// Command hello is the end-to-end tests' container payload: a static Go
// program that prints a known line, then each argument on its own line.
// An argument "@PATH" prints the contents of PATH instead, so a test can
// show that files (and symlinks) inside the container resolve.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from lading")
	for _, a := range os.Args[1:] {
		if len(a) > 1 && a[0] == '@' {
			b, err := os.ReadFile(a[1:])
			if err != nil {
				fmt.Fprintln(os.Stderr, "hello:", err)
				os.Exit(1)
			}
			fmt.Print(string(b))
			continue
		}
		fmt.Println("arg:", a)
	}
}
