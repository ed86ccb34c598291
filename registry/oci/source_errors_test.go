package oci

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTar writes a tar of the named files to path.
func writeTar(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestOpenOCIArchiveErrorsKeepTheirCause: a malformed oci-archive is
// reported with its cause and the archive's name, never "%!w(<nil>)" nor
// the temporary directory it was extracted to (issue 9).
func TestOpenOCIArchiveErrorsKeepTheirCause(t *testing.T) {
	missing := `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","size":2,"digest":"sha256:` + strings.Repeat("ab", 32) + `"}]}`
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no index.json", map[string]string{"hello": "x"}, "index.json"},
		{"malformed index.json", map[string]string{"oci-layout": layoutFile, "index.json": "{not json"}, "invalid character"},
		{"entry without a media type", map[string]string{"oci-layout": layoutFile, "index.json": strings.Replace(missing, `"mediaType":"application/vnd.oci.image.index.v1+json",`, "", 1)}, "media type"},
		{"index names a missing blob", map[string]string{"oci-layout": layoutFile, "index.json": missing}, "sha256:abab"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bad.tar")
			writeTar(t, path, tc.files)
			work := filepath.Join(dir, "work")
			if err := os.Mkdir(work, 0o755); err != nil {
				t.Fatal(err)
			}
			_, err := OpenOCIArchive(context.Background(), path, "", work)
			if err == nil {
				t.Fatal("OpenOCIArchive succeeded on a malformed archive")
			}
			msg := err.Error()
			for _, bad := range []string{"%!", work} {
				if strings.Contains(msg, bad) {
					t.Errorf("error %q contains %q", msg, bad)
				}
			}
			for _, want := range []string{path, tc.want} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
		})
	}
}
