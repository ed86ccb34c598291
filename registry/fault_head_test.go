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
			f.proxy.Learn(d, size)
		}
	}
}

// refusals counts the manifests refused by refuseIncomplete.
func (f *faultyRegistry) refusals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused
}
