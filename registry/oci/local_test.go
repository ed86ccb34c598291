package oci

import "testing"

func TestParseLocal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LocalRef
		ok   bool
	}{
		{"oci-layout:out", LocalRef{"oci-layout", "out", ""}, true},
		{"oci-layout:out:v1", LocalRef{"oci-layout", "out", "v1"}, true},
		{"oci-layout:/a/b@sha256:abc", LocalRef{"oci-layout", "/a/b", "@sha256:abc"}, true},
		{"oci-archive:dir:with/slash", LocalRef{"oci-archive", "dir", "with/slash"}, true},
		// DIR ends at the first colon: ref names hold colons (issue #9).
		{"oci-layout:out:example.com/web/server:v1", LocalRef{"oci-layout", "out", "example.com/web/server:v1"}, true},
		{"oci-layout:out:localhost:5000/app:v1", LocalRef{"oci-layout", "out", "localhost:5000/app:v1"}, true},
		{"docker-archive:a:b.tar", LocalRef{"docker-archive", "a:b.tar", ""}, true},
		{"registry.example/base:v1", LocalRef{}, false},
		{"static", LocalRef{}, false},
	} {
		got, ok := ParseLocal(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseLocal(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
