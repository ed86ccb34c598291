package attest

import "testing"

func TestOCIPURL(t *testing.T) {
	d := hashOf("x")
	enc := "sha256%3A" + d.Hex
	for ref, want := range map[string]string{
		"debian":                        "pkg:oci/debian@" + enc + "?repository_url=index.docker.io/library/debian",
		"debian:12":                     "pkg:oci/debian@" + enc + "?repository_url=index.docker.io/library/debian&tag=12",
		"debian@" + d.String():          "pkg:oci/debian@" + enc + "?repository_url=index.docker.io/library/debian",
		"localhost:5000/a/b/c:v1":       "pkg:oci/c@" + enc + "?repository_url=localhost%3A5000/a/b/c&tag=v1",
		"localhost:5000/a":              "pkg:oci/a@" + enc + "?repository_url=localhost%3A5000/a",
		"static":                        "",
		"oci-archive:base.tar":          "",
		"oci-layout:./layout:v1":        "",
		"docker-archive:base.tar":       "",
		"Registry.example/Bad/Name:tag": "",
	} {
		got, ok := ociPURL(ref, d, "")
		if got != want || ok != (want != "") {
			t.Errorf("ociPURL(%q) = %q, %v; want %q", ref, got, ok, want)
		}
	}
	if got, _ := ociPURL("app", d, "arm64"); got != "pkg:oci/app@"+enc+"?arch=arm64&repository_url=index.docker.io/library/app" {
		t.Errorf("ociPURL with an architecture = %q", got)
	}
}

func TestGoPURLs(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{goModulePURL("github.com/BurntSushi/toml", "v1.4.0"), "pkg:golang/github.com/BurntSushi/toml@v1.4.0"},
		{goModulePURL("example.com/app", "(devel)"), "pkg:golang/example.com/app"},
		{goModulePURL("example.com/app", "v0.0.0-20240101000000-abcdef012345+dirty"), "pkg:golang/example.com/app@v0.0.0-20240101000000-abcdef012345%2Bdirty"},
		{goModulePURL("gopkg.in/yaml.v3", "v3.0.1"), "pkg:golang/gopkg.in/yaml.v3@v3.0.1"},
		{stdlibPURL("go1.26.8"), "pkg:golang/stdlib@1.26.8"},
		{goToolchain("go1.26.8 X:nocoverageredesign"), "go1.26.8"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
