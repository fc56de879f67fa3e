package vuln

import (
	"testing"

	"github.com/vigil-dev/vigil/severity"
)

func TestSummarize(t *testing.T) {
	f := func(l severity.Level, fixed []string, fromBase bool, suppressed bool) Finding {
		x := Finding{Severity: severity.Rating{Level: l}, FixedVersions: fixed, Remediation: Remediation{FromBase: fromBase}}
		if suppressed {
			x.Suppression = &Suppression{Kind: "vex", Status: "not_affected", Source: "vex.json"}
		}
		return x
	}
	r := &Report{BaseLayers: 1, Unscannable: []Unscannable{{Reason: "version unknown"}}, Findings: []Finding{
		f(severity.Critical, []string{"1.0"}, true, false),
		f(severity.High, nil, true, false),
		f(severity.High, []string{"2.0"}, false, false),
		f(severity.Low, []string{"2.0"}, false, true),
	}}
	s := Summarize(r)
	if s.Findings != 3 || s.Fixed != 2 || s.Unfixed != 1 || s.FromBase != 2 || s.FromBaseFixed != 1 || s.Suppressed != 1 ||
		s.BySeverity[severity.High] != 2 || s.BySeverity[severity.Low] != 0 || s.Unscannable != 1 {
		t.Fatalf("summary %+v", s)
	}
}
