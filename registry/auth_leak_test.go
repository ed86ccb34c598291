package registry

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/lading-dev/lading/registry/faultproxy"
)

// TestNoSecretInOutput: pushes, pulls and logins through token auth behind
// a registry failing one request in three, with right and wrong passwords,
// at debug level: no log line and no error contains the password, its
// base64 form or the bearer token.
func TestNoSecretInOutput(t *testing.T) {
	blobs := &repoBlobs{m: map[string]map[v1.Hash][]byte{}}
	reg := newAuthRegistry(t, newInproc(blobs), func(h http.Handler) http.Handler {
		p := faultproxy.New(h, 7)
		p.SetRate(1.0 / 3)
		return p
	})
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	writeAuth := func(path, pass string) {
		auth := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + pass))
		noError(t, os.WriteFile(path, []byte(`{"auths":{"`+reg.host()+`":{"auth":"`+auth+`"}}}`), 0o600))
	}
	writeAuth(good, testPassword)
	writeAuth(bad, "wrong-"+testPassword)
	ctx := context.Background()
	var out strings.Builder
	c, logs := testClient(t, WithCAFiles(reg.ca), WithAuthFiles(good))
	pushed := 0
	for i := range 5 {
		ref := fmt.Sprintf("%s/leak/img%d:v1", reg.host(), i)
		if _, err := c.Push(ctx, seededImage(t, int64(100+i), 2), []string{ref}); err != nil {
			fmt.Fprintln(&out, err)
		} else if _, err := c.Pull(ctx, ref); err != nil {
			fmt.Fprintln(&out, err)
		} else {
			pushed++
		}
	}
	cBad, badLogs := testClient(t, WithCAFiles(reg.ca), WithAuthFiles(bad))
	_, err := cBad.Push(ctx, seededImage(t, 200, 1), []string{reg.host() + "/leak/bad:v1"})
	if err == nil {
		t.Error("a push with a wrong password succeeded")
	}
	fmt.Fprintln(&out, err)
	fmt.Fprintln(&out, c.Login(ctx, reg.host(), testUser, testPassword, filepath.Join(dir, "login.json")))
	fmt.Fprintln(&out, c.Login(ctx, reg.host(), testUser, "wrong-"+testPassword, filepath.Join(dir, "login2.json")))
	all := out.String() + logs.String() + badLogs.String()
	checkNoSecret(t, "output", all)
	if strings.Contains(all, "wrong-"+testPassword) {
		t.Error("output contains the wrong password")
	}
	if pushed == 0 || !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("%d pushes succeeded, retries logged: %v; the test exercised nothing", pushed, strings.Contains(logs.String(), "retrying"))
	}
	t.Logf("%d of 5 pushes and pulls through token auth and faults; %d bytes of output checked", pushed, len(all))
}
