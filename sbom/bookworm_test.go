package sbom_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/sbom"
	"github.com/vigil-dev/vigil/sbom/internal/sbomtest"
	"github.com/vigil-dev/vigil/scan"
)

// TestBookwormSBOMsValidate encodes the inventory of the real bookworm
// image (88 packages, real licenses and source packages) and validates both
// standard formats against their official schemas, then reads them back.
func TestBookwormSBOMsValidate(t *testing.T) {
	inv, err := scan.Inventory(context.Background(), "docker-archive:"+testenv.Get(t, "VIGIL_TEST_ARCHIVE"), scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for format, schema := range map[string]string{"cyclonedx-json": sbomtest.CycloneDX16, "spdx-json": sbomtest.SPDX23} {
		var buf bytes.Buffer
		if err := sbom.Encode(&buf, format, inv); err != nil {
			t.Fatal(err)
		}
		sbomtest.Validate(t, schema, buf.Bytes())
		back, got, err := sbom.Decode(&buf, sbom.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: decoding our own output: %v", format, err)
		}
		if got != format || len(back.Packages) != len(inv.Packages) {
			t.Errorf("%s: decoded as %s with %d packages, want %d", format, got, len(back.Packages), len(inv.Packages))
		}
		for i, p := range back.Packages {
			if p.PURL != inv.Packages[i].PURL {
				t.Errorf("%s: package %d purl %s, want %s", format, i, p.PURL, inv.Packages[i].PURL)
				break
			}
		}
	}
}
