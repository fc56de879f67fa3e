package docid

import (
	"flag"
	"regexp"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/inventory"
)

// This package has no golden files; the flag is accepted so that
// "go test ./sbom/... -update" works.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

func TestUUID(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	inv := &inventory.Inventory{Source: inventory.Source{Name: "debian:12"}}
	a := UUID("cyclonedx", inv, t0)
	// The CycloneDX serialNumber pattern.
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Fatalf("UUID = %q: not an RFC 4122 UUID", a)
	}
	if b := UUID("cyclonedx", inv, t0); a != b {
		t.Errorf("not deterministic: %s != %s", a, b)
	}
	if b := UUID("cyclonedx", inv, t0.Add(time.Second)); a == b {
		t.Error("same UUID at a different time")
	}
	if b := UUID("spdx", inv, t0); a == b {
		t.Error("same UUID for a different format")
	}
	other := &inventory.Inventory{Source: inventory.Source{Name: "debian:13"}}
	if b := UUID("cyclonedx", other, t0); a == b {
		t.Error("same UUID for a different inventory")
	}
}
