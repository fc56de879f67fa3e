package secret_test

import (
	"testing"

	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/internal/testenv"
)

// TestBookwormHasNoSecrets: the real Debian bookworm image (debootstrap
// minbase) holds no secret, so every finding would be a false positive.
func TestBookwormHasNoSecrets(t *testing.T) {
	src := "docker-archive:" + testenv.Get(t, "VIGIL_TEST_ARCHIVE")
	inv, sc := scanImage(t, src, nil, secret.Options{})
	for _, f := range sc.findings {
		t.Errorf("false positive: %s %s:%d %q (%s)", f.CheckID, f.Evidence.File, f.Evidence.Line, f.Evidence.Snippet, f.Message)
	}
	if len(inv.Packages) < 80 {
		t.Fatalf("%d packages: the secret filter broke cataloging", len(inv.Packages))
	}
	for _, w := range inv.Warnings {
		t.Logf("warning: %+v", w)
	}
}
