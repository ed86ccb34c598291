package registry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// checkOrder notes a manifest PUT whose blobs or child manifests are not
// in the registry at the moment it is sent, whatever its fate, unless a
// HEAD lied that each of them was there (faultproxy.LieHead): then no client
// could have known.
func (f *faultyRegistry) checkOrder(req *http.Request, body []byte) {
	repo, _, ok := manifestPath(req.URL.Path)
	if req.Method != http.MethodPut || !ok {
		return
	}
	missing := f.missing(repo, body, types.MediaType(req.Header.Get("Content-Type")))
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range missing {
		if !f.proxy.Lied(repo, d) {
			f.early = append(f.early, fmt.Sprintf("PUT %s sent before %v", req.URL.Path, missing))
			return
		}
	}
}

// missing lists what a manifest names that repo lacks.
func (f *faultyRegistry) missing(repo string, raw []byte, mt types.MediaType) []string {
	var out []string
	if mt.IsIndex() {
		im, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
		if err != nil {
			return []string{"unparsable index: " + err.Error()}
		}
		for _, d := range im.Manifests {
			if f.direct(http.MethodHead, "/v2/"+repo+"/manifests/"+d.Digest.String()).Code != http.StatusOK {
				out = append(out, d.Digest.String())
			}
		}
		return out
	}
	m, err := v1.ParseManifest(strings.NewReader(string(raw)))
	if err != nil {
		return []string{"unparsable manifest: " + err.Error()}
	}
	for _, d := range append([]v1.Descriptor{m.Config}, m.Layers...) {
		if _, ok := f.blobs.get(repo, d.Digest); !ok {
			out = append(out, d.Digest.String())
		}
	}
	return out
}

// incomplete lists every tag of repo that names a manifest whose blobs or
// child manifests (recursively) the registry lacks.
func (f *faultyRegistry) incomplete(repo string) []string {
	var out []string
	for _, tag := range f.tags(repo) {
		if missing := f.missingUnder(repo, tag); len(missing) > 0 {
			out = append(out, fmt.Sprintf("%s:%s lacks %v", repo, tag, missing))
		}
	}
	return out
}

// missingUnder lists what the manifest ref of repo lacks, recursively.
func (f *faultyRegistry) missingUnder(repo, ref string) []string {
	rec := f.direct(http.MethodGet, "/v2/"+repo+"/manifests/"+ref)
	if rec.Code != http.StatusOK {
		return []string{ref}
	}
	mt := types.MediaType(rec.Header().Get("Content-Type"))
	out := f.missing(repo, rec.Body.Bytes(), mt)
	if mt.IsIndex() && len(out) == 0 {
		im, _ := v1.ParseIndexManifest(rec.Body)
		for _, d := range im.Manifests {
			out = append(out, f.missingUnder(repo, d.Digest.String())...)
		}
	}
	return out
}

// tags lists repo's tags, straight from the registry.
func (f *faultyRegistry) tags(repo string) []string {
	rec := f.direct(http.MethodGet, "/v2/"+repo+"/tags/list")
	var list struct{ Tags []string }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		return nil
	}
	return list.Tags
}

// direct asks the registry itself, past the faults and the records.
func (f *faultyRegistry) direct(method, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Accept", strings.Join([]string{string(types.OCIImageIndex), string(types.OCIManifestSchema1),
		string(types.DockerManifestList), string(types.DockerManifestSchema2)}, ","))
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, req)
	return rec
}

// blobWrites counts the requests that upload a blob into repo: upload
// session POSTs, PATCHes and PUTs (mount attempts included).
func (f *faultyRegistry) blobWrites(repo string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.records {
		if strings.HasPrefix(r.path, "/v2/"+repo+"/blobs/uploads/") && r.method != http.MethodHead && r.method != http.MethodGet {
			n++
		}
	}
	return n
}

// earlyManifests returns every manifest PUT noted as sent too early.
func (f *faultyRegistry) earlyManifests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.early...)
}

// manifestPath splits /v2/REPO/manifests/REF.
func manifestPath(p string) (repo, ref string, ok bool) {
	i := strings.LastIndex(p, "/manifests/")
	if !strings.HasPrefix(p, "/v2/") || i < 4 {
		return "", "", false
	}
	return p[len("/v2/"):i], p[i+len("/manifests/"):], true
}
