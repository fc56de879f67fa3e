package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// summary counts the findings of a report that are not suppressed
// (vuln.Summarize), and its check findings.
type summary struct {
	vuln.Summary
	// Vulnerabilities is set when the report is the result of a
	// vulnerability scan (see hasVulnerabilityScan).
	Vulnerabilities bool
	ByLevel         [severity.Critical + 1]int
	Checks          int
	ChecksByLevel   [severity.Critical + 1]int
}

func summarize(r *vuln.Report) summary {
	s := summary{Summary: vuln.Summarize(r), Vulnerabilities: hasVulnerabilityScan(r), Checks: len(r.Checks)}
	for l, n := range s.BySeverity {
		if l >= severity.Unknown && l <= severity.Critical {
			s.ByLevel[l] = n
		}
	}
	for _, c := range r.Checks {
		if l := c.Severity; l >= severity.Unknown && l <= severity.Critical {
			s.ChecksByLevel[l]++
		}
	}
	return s
}

// levels lists counts per level, most severe first, skipping zeros:
// "2 critical, 5 unknown".
func levels(counts [severity.Critical + 1]int) string {
	var parts []string
	for l := severity.Critical; l >= severity.Unknown; l-- {
		if n := counts[l]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+l.String())
		}
	}
	return strings.Join(parts, ", ")
}

// lines are the summary closing the table: one line about
// vulnerabilities when the report is the result of a vulnerability scan,
// one about check findings when there are any, and "No check findings"
// when there is nothing else to say.
func (s summary) lines() []string {
	var out []string
	switch {
	case !s.Vulnerabilities:
	case s.Findings == 0:
		out = append(out, fmt.Sprintf("No vulnerabilities found (%d suppressed, %d unscannable)", s.Suppressed, s.Unscannable))
	default:
		out = append(out, fmt.Sprintf("%s: %s; %d fixed, %d unfixed; %d suppressed, %d unscannable",
			plural(s.Findings, "finding"), levels(s.ByLevel), s.Fixed, s.Unfixed, s.Suppressed, s.Unscannable))
	}
	switch {
	case s.Checks > 0:
		out = append(out, fmt.Sprintf("%s: %s", plural(s.Checks, "check finding"), levels(s.ChecksByLevel)))
	case !s.Vulnerabilities:
		out = append(out, "No check findings")
	}
	return out
}

// baseSentence tells how many findings a rebuild on a newer base fixes.
func (s summary) baseSentence() string {
	if s.FromBase == 1 {
		return "1 finding comes from base layers: rebuild on a newer base"
	}
	return fmt.Sprintf("%d findings come from base layers: rebuild on a newer base", s.FromBase)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
