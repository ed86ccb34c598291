package oci

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
)

// TestConcurrentLayoutWriters: ten writers into one layout, the first ones
// racing to create it, keep every ref (issue 13, case 17).
func TestConcurrentLayoutWriters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "layout")
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		img, err := random.Image(256, 1)
		noErr(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = WriteLayout(context.Background(), dir, img, fmt.Sprintf("ref%d", i))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	idx, err := readLayoutIndex(dir)
	noErr(t, err)
	if len(idx.Manifests) != 10 {
		t.Fatalf("index.json keeps %d of 10 refs", len(idx.Manifests))
	}
}
