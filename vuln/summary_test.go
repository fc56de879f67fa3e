package vuln

import (
	"slices"
	"strings"
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
	want := []string{
		"3 findings (1 critical, 2 high)",
		"2 have a fixed version, 1 have none yet",
		"2 findings come from base layers: rebuild on a newer base",
		"1 finding comes from the image's own layers: upgrade them in its build",
		"1 finding suppressed by VEX or ignore rules",
		"1 package could not be scanned",
	}
	if got := s.Sentences(); !slices.Equal(got, want) {
		t.Errorf("sentences:\n%q\nwant\n%q", got, want)
	}
	r.BaseLayers = -1
	for i := range r.Findings {
		r.Findings[i].Remediation.FromBase = false
	}
	for _, s := range Summarize(r).Sentences() {
		if strings.Contains(s, "base layers") || strings.Contains(s, "own layers") {
			t.Errorf("unknown base, yet %q", s)
		}
	}
}
