package match

import (
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/vuln"
)

// TestAccuracy is the precision and recall regression test: per ecosystem,
// the findings Match gives for real packages against the real records of
// testdata/osv must be exactly the ones expected.py computed independently
// (dpkg --compare-versions, packaging.version, and the SemVer, Maven and
// RubyGems orders written from their specifications) over the same records.
// A lost true finding or an added false one fails.
func TestAccuracy(t *testing.T) {
	db := openTestDB(t)
	cases := []struct {
		eco string
		inv *inventory.Inventory
		typ string
	}{
		{"Debian", bookwormInventory(t), inventory.TypeDeb},
		{"Go", langInventory(t), inventory.TypeGolang},
		{"npm", packagesInventory(t, "npm.packages.json"), inventory.TypeNPM},
		{"PyPI", packagesInventory(t, "pypi.packages.json"), inventory.TypePyPI},
		{"crates.io", packagesInventory(t, "crates.packages.json"), inventory.TypeCargo},
		{"Maven", packagesInventory(t, "maven.packages.json"), inventory.TypeMaven},
		{"RubyGems", packagesInventory(t, "gems.packages.json"), inventory.TypeGem},
	}
	for _, c := range cases {
		t.Run(c.eco, func(t *testing.T) {
			r := match(t, c.inv, db, Options{})
			got := findingSet(slices.DeleteFunc(r.Findings, func(f vuln.Finding) bool { return f.Package.Type != c.typ }))
			want := readTSV(t, "testdata/expected/"+c.eco+".tsv")
			var lost, added []string
			for k := range want {
				if !got[k] {
					lost = append(lost, k)
				}
			}
			for k := range got {
				if !want[k] {
					added = append(added, k)
				}
			}
			tp := len(got) - len(added)
			t.Logf("%s: %d findings expected, %d found; precision %.3f, recall %.3f", c.eco, len(want), len(got), ratio(tp, len(got)), ratio(tp, len(want)))
			slices.Sort(lost)
			slices.Sort(added)
			if len(lost) > 0 {
				t.Errorf("lost %d true findings:\n%s", len(lost), strings.Join(lost, "\n"))
			}
			if len(added) > 0 {
				t.Errorf("added %d false findings:\n%s", len(added), strings.Join(added, "\n"))
			}
		})
	}
}

// ratio is a/b, or 1 when b is 0 (nothing to find, nothing found wrongly).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// TestGoAgreesWithGovulncheck checks the Go binary of the lang image
// against govulncheck -mode=binary -scan module, run by
// bench/compare-govulncheck.sh on a database made from the same records:
// the same advisories per module.
func TestGoAgreesWithGovulncheck(t *testing.T) {
	r := match(t, langInventory(t), openTestDB(t), Options{})
	got := map[string]bool{}
	for _, f := range r.Findings {
		if f.Package.Type == inventory.TypeGolang && strings.HasSuffix(f.Package.Locations[0], "/goapp") {
			for _, id := range append([]string{f.ID}, f.Match.Merged...) {
				got[f.Package.Name+"\t"+id] = true
			}
		}
	}
	want := readTSV(t, "testdata/expected/govulncheck.txt")
	if len(want) == 0 {
		t.Fatal("govulncheck.txt is empty")
	}
	for k := range want {
		if !got[k] {
			t.Errorf("govulncheck finds %s, vigil does not", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("vigil finds %s, govulncheck does not", k)
		}
	}
}
