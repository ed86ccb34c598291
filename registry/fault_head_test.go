package registry

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lading-dev/lading/registry/oci"
)

// cutHead answers a HEAD as the broken intermediary of issue 9 did, without
// asking the registry: 200, Content-Length 100000, a few bytes, a reset.
func (f *faultyRegistry) cutHead(w http.ResponseWriter) {
	f.mu.Lock()
	n := 1 + f.rng.IntN(8)
	f.mu.Unlock()
	hijack(w, []byte("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("x", n)), true)
}

// refuseIncomplete answers a PUT of an image manifest that names blobs repo
// lacks as distribution does: 400 MANIFEST_BLOB_UNKNOWN, one error per
// missing blob, its detail the digest when namesBlobs. ggcr's registry
// accepts such a manifest; real ones do not.
func (f *faultyRegistry) refuseIncomplete(w http.ResponseWriter, req *http.Request, body []byte) bool {
	repo, _, ok := manifestPath(req.URL.Path)
	mt := types.MediaType(req.Header.Get("Content-Type"))
	if req.Method != http.MethodPut || !ok || !mt.IsImage() {
		return false
	}
	missing := f.missing(repo, body, mt)
	if len(missing) == 0 {
		return false
	}
	var errs []string
	for _, d := range missing {
		detail := `""`
		if f.namesBlobs {
			detail = fmt.Sprintf("%q", d)
		}
		errs = append(errs, fmt.Sprintf(`{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":%s}`, detail))
	}
	f.mu.Lock()
	f.refused++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `{"errors":[%s]}`, strings.Join(errs, ","))
	return true
}

// learn tells the registry the size of every blob of a, so that it can lie
// about them convincingly.
func (f *faultyRegistry) learn(t *testing.T, a oci.Artifact) {
	t.Helper()
	plan, err := newPushPlan(a)
	noError(t, err)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range plan.nodes {
		if n.config == nil {
			continue
		}
		for _, l := range append(append([]v1.Layer{}, n.layers...), n.config) {
			d, _ := l.Digest()
			size, _ := l.Size()
			f.sizes[d] = size
		}
	}
}

// lie, for a HEAD of a blob repo lacks whose size it learnt, answers a
// whole 200 and reports true; the lie is remembered (see checkOrder).
func (f *faultyRegistry) lie(w http.ResponseWriter, req *http.Request) bool {
	i := strings.LastIndex(req.URL.Path, "/blobs/sha256:")
	if req.Method != http.MethodHead || i < 0 || !strings.HasPrefix(req.URL.Path, "/v2/") {
		return false
	}
	repo, d := req.URL.Path[len("/v2/"):i], req.URL.Path[i+len("/blobs/"):]
	h, err := v1.NewHash(d)
	f.mu.Lock()
	size, known := f.sizes[h]
	f.mu.Unlock()
	if _, there := f.blobs.get(repo, h); err != nil || !known || there {
		return false
	}
	f.mu.Lock()
	f.lied[repo+"@"+d] = true
	f.mu.Unlock()
	w.Header().Set("Content-Length", fmt.Sprint(size))
	w.Header().Set("Docker-Content-Digest", d)
	w.WriteHeader(http.StatusOK)
	return true
}

// refusals counts the manifests refused by refuseIncomplete.
func (f *faultyRegistry) refusals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused
}
