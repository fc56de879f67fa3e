package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// summary counts the findings of a report that are not suppressed.
type summary struct {
	Total       int
	ByLevel     [severity.Critical + 1]int
	Fixed       int
	Unfixed     int
	FromBase    int
	Suppressed  int
	Unscannable int
}

func summarize(r *vuln.Report) summary {
	s := summary{Unscannable: len(r.Unscannable)}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppression != nil {
			s.Suppressed++
			continue
		}
		s.Total++
		if l := f.Severity.Level; l >= severity.Unknown && l <= severity.Critical {
			s.ByLevel[l]++
		}
		if f.Fixed() {
			s.Fixed++
		} else {
			s.Unfixed++
		}
		if f.Remediation.FromBase {
			s.FromBase++
		}
	}
	return s
}

// levels lists the counts per level, most severe first, skipping zeros:
// "2 critical, 5 unknown".
func (s summary) levels() string {
	var parts []string
	for l := severity.Critical; l >= severity.Unknown; l-- {
		if n := s.ByLevel[l]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+l.String())
		}
	}
	return strings.Join(parts, ", ")
}

// line is the one-line summary closing the table.
func (s summary) line() string {
	if s.Total == 0 {
		return fmt.Sprintf("No vulnerabilities found (%d suppressed, %d unscannable)", s.Suppressed, s.Unscannable)
	}
	return fmt.Sprintf("%s: %s; %d fixed, %d unfixed; %d suppressed, %d unscannable",
		plural(s.Total, "finding"), s.levels(), s.Fixed, s.Unfixed, s.Suppressed, s.Unscannable)
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
