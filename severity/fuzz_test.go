package severity

import (
	"encoding/json"
	"testing"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// FuzzRate rates a record whose severity and database_specific hold
// arbitrary text: Rate must never panic and must return a valid level, and
// a CVSS score must lie in [0, 10]. Seeds are in testdata/fuzz/FuzzRate.
func FuzzRate(f *testing.F) {
	f.Fuzz(func(t *testing.T, vector, word string) {
		ds, _ := json.Marshal(map[string]string{"severity": word})
		v := &osv.Vulnerability{
			ID:               "FUZZ-1",
			Severity:         []osv.Severity{{Type: "CVSS_V3", Score: vector}, {Type: "CVSS_V4", Score: vector}, {Type: "CVSS_V2", Score: vector}},
			DatabaseSpecific: ds,
			Affected:         []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "x"}}},
		}
		r := Rate(v, &v.Affected[0])
		if r.Level < Unknown || r.Level > Critical || r.Score < 0 || r.Score > 10 || r.Source == "" {
			t.Fatalf("Rate = %+v", r)
		}
		if c, err := ScoreCVSS(vector); err == nil && (c.Score < 0 || c.Score > 10 || c.Level == Unknown) {
			t.Fatalf("ScoreCVSS(%q) = %+v", vector, c)
		}
	})
}
