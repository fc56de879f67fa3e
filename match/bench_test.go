package match

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-dev/vigil/vulndb"
)

// vulndata is the full real Debian OSV data (see
// /work/shared/vulndata/README.md); the tests use the subset in testdata.
const vulndata = "/work/shared/vulndata/osv/Debian"

// BenchmarkMatchBookworm matches the bookworm inventory (88 packages of
// testdata/fixtures/bookworm.status) against all the real Debian records,
// the database already open. The budget is 50 ms per match.
func BenchmarkMatchBookworm(b *testing.B) {
	if _, err := os.Stat(vulndata); err != nil {
		b.Skipf("benchmark needs the real OSV data in %s: %v", vulndata, err)
	}
	path := filepath.Join(b.TempDir(), "vigil.db")
	if _, _, err := vulndb.Import(context.Background(), []string{filepath.Dir(vulndata)}, vulndb.ImportOptions{Path: path}); err != nil {
		b.Fatal(err)
	}
	db := openDB(b, path)
	inv := bookwormInventory(b)
	var r int
	for b.Loop() {
		rep, err := Match(context.Background(), inv, db, Options{})
		if err != nil {
			b.Fatal(err)
		}
		r = len(rep.Findings)
	}
	b.ReportMetric(float64(len(inv.Packages)), "packages")
	b.ReportMetric(float64(r), "findings")
}
