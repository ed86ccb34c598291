package spec

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecErrors loads each fixture in testdata/spec/errors and checks the
// error names the file and line, the key, and what is wrong.
func TestSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string // substrings, in order: file:line, key, message
	}{
		{"unknown-key", []string{"unknown-key.yaml:6: layers[0].files.destination: unknown key (known here: dest, exclude,"}},
		{"unknown-top", []string{"unknown-top.yaml:1: bsae: unknown key (known here: annotations, base,"}},
		{"wrong-type", []string{"wrong-type.yaml:5: config.entrypoint: want a list, got \"/usr/local/bin/server\""}},
		{"layers-not-list", []string{"layers-not-list.yaml:2: layers: want a list, got a mapping"}},
		{"missing-layers", []string{"missing-layers.yaml:1: layers: missing (it is required)"}},
		{"empty", []string{"empty.yaml:1: layers: missing"}},
		{"missing-name", []string{"missing-name.yaml:2: layers[0].name: missing"}},
		{"missing-dest", []string{"missing-dest.yaml:3: layers[0].files.dest: missing"}},
		{"missing-package", []string{"missing-package.yaml:4: layers[0].go.package: missing"}},
		{"missing-command", []string{"missing-command.yaml:4: layers[0].run.command: missing"}},
		{"check-missing-command", []string{"check-missing-command.yaml:3: checks[0].command: missing"}},
		{"no-kind", []string{"no-kind.yaml:2: layers[0]: a layer needs one of files, go or run"}},
		{"two-kinds", []string{"two-kinds.yaml:2: layers[0]: a layer has exactly one of files, go or run, not files and run"}},
		{"duplicate-name", []string{"duplicate-name.yaml:4: layers[1].name: \"app\" is already the name of the layer at line 2"}},
		{"duplicate-key", []string{"duplicate-key.yaml:2: base: given twice"}},
		{"unset-var", []string{"unset-var.yaml:2: tags[0]: ${LADING_TEST_UNSET_VERSION} is not set and has no default"}},
		{"git-var", []string{"git-var.yaml:3: annotations.org.opencontainers.image.revision: ${GIT_COMMIT} is not set (not a git checkout)"}},
		{"bad-mode", []string{"bad-mode.yaml:3: layers[0].files.mode: want an octal mode such as \"0644\", got \"rw-r--r--\""}},
		{"relative-dest", []string{"relative-dest.yaml:3: layers[0].files.dest: want an absolute path in the image", `got "app"`}},
		{"bad-platform", []string{"bad-platform.yaml:1: platforms[1]: parse platform \"linux\""}},
		{"platform-string", []string{"platform-string.yaml:1: platforms: want a list of os/arch[/variant] or all, got \"linux/amd64\" (write [linux/amd64]"}},
		{"missing-src", []string{"missing-src.yaml:3: layers[0].files.src: ", "no-such-dir does not exist"}},
		{"bad-uid", []string{"bad-uid.yaml:3: layers[0].files.uid: want a whole number from 0 to 2147483647, got \"nonroot\""}},
		{"bad-bool", []string{"bad-bool.yaml:3: layers[0].files.followSymlinks: want true or false, got \"yes\""}},
		{"bad-port", []string{"bad-port.yaml:3: config.exposedPorts[1]: want PORT[/tcp|udp|sctp]", `got "http"`}},
		{"bad-tag", []string{"bad-tag.yaml:2: tags[0]: "}},
		{"go-output-flag", []string{"go-output-flag.yaml:6: layers[0].go.flags[0]: -o is not allowed here"}},
		{"syntax", []string{"syntax.yaml:1: parse yaml: did not find expected"}},
		{"two-documents", []string{"two-documents.yaml:2: a spec is one YAML document"}},
		{"bad-reference", []string{"bad-reference.yaml:2: tags[0]: ${VERSION:?required}: lading expands only ${NAME} and ${NAME:-default}"}},
		{"unterminated", []string{"unterminated.yaml:2: tags[0]: unterminated ${VERSION"}},
		{"many-errors", []string{
			"many-errors.yaml:3: layers[0].files.dest: want an absolute path",
			"many-errors.yaml:4: layers[1].name: \"app\" is already the name",
			"many-errors.yaml:5: layers[1].go.dest: missing",
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			vars := Vars{Lookup: lookupIn(nil), GitErr: errors.New("not a git checkout")}
			_, err := Load(filepath.Join("..", "..", "testdata", "spec", "errors", tc.file+".yaml"), vars)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			msg := err.Error()
			for _, w := range tc.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error:\n%s\nwant it to contain (in order):\n%s", err, w)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}
