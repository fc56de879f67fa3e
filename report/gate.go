package report

import (
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// Gate returns the number of findings that fail a CI gate: findings that
// are not suppressed, rated failOn or more severe and, when ignoreUnfixed
// is set, with a published fix; and check findings rated failOn or more
// severe (ignoreUnfixed does not apply to them: a check has no fixed
// version). A finding rated unknown fails only a gate set to unknown
// (which every finding fails). The CLI exits with its --exit-code when the
// result is positive.
func Gate(r *vuln.Report, failOn severity.Level, ignoreUnfixed bool) (failing int) {
	for i := range r.Findings {
		if counts(&r.Findings[i], failOn, ignoreUnfixed) {
			failing++
		}
	}
	for _, c := range r.Checks {
		if c.Severity.Compare(failOn) >= 0 {
			failing++
		}
	}
	return failing
}

// Filter returns a copy of r without the findings rated below
// minSeverity and, when ignoreUnfixed is set, without those that have no
// published fix, and without the check findings rated below minSeverity
// (ignoreUnfixed does not apply to them). Suppressed findings that pass
// the filter stay, with their suppression. r is not modified; the copy
// shares everything but its Findings and Checks slices with r.
func Filter(r *vuln.Report, minSeverity severity.Level, ignoreUnfixed bool) *vuln.Report {
	out := *r
	out.Findings = make([]vuln.Finding, 0, len(r.Findings))
	for _, f := range r.Findings {
		if f.Severity.Level.Compare(minSeverity) >= 0 && (!ignoreUnfixed || f.Fixed()) {
			out.Findings = append(out.Findings, f)
		}
	}
	out.Checks = nil
	for _, c := range r.Checks {
		if c.Severity.Compare(minSeverity) >= 0 {
			out.Checks = append(out.Checks, c)
		}
	}
	return &out
}

func counts(f *vuln.Finding, failOn severity.Level, ignoreUnfixed bool) bool {
	return f.Suppression == nil &&
		f.Severity.Level.Compare(failOn) >= 0 &&
		(!ignoreUnfixed || f.Fixed())
}
