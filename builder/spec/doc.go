// Package spec is the lading.yaml language: its types, the strict decoder
// that reports every mistake as file:line: key: what, ${VAR} expansion, the
// git built-ins (and the other facts of the checkout, read once by ReadGit),
// and spec errors. docs/spec.md documents every field.
//
// Its one way into a build is Spec.Request, which returns a builder.Request;
// package builder never imports it. It runs nothing but git, and reads the
// environment only through the Vars the caller passes.
package spec
