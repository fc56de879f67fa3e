package vuln

import (
	"fmt"

	"github.com/vigil-dev/vigil/severity"
)

// Summary counts a report's findings. Suppressed findings are counted
// only in Suppressed.
type Summary struct {
	// Findings counts the findings that are not suppressed.
	Findings int `json:"findings"`
	// BySeverity counts them per severity level.
	BySeverity map[severity.Level]int `json:"bySeverity"`
	// Fixed counts those with a published fix, Unfixed the others.
	Fixed   int `json:"fixed"`
	Unfixed int `json:"unfixed"`
	// FromBase counts those in packages installed by the base image's
	// layers; 0 when the base image is not known (BaseLayers -1).
	FromBase int `json:"fromBase"`
	// FromBaseFixed counts those of FromBase that a newer base can fix.
	FromBaseFixed int `json:"fromBaseFixed"`
	// BaseKnown says whether the report knows the base image's layers.
	BaseKnown   bool `json:"baseKnown"`
	Suppressed  int  `json:"suppressed"`
	Unscannable int  `json:"unscannable"`
}

// Summarize counts the findings of r.
func Summarize(r *Report) Summary {
	s := Summary{BySeverity: map[severity.Level]int{}, BaseKnown: r.BaseLayers >= 0, Unscannable: len(r.Unscannable)}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppression != nil {
			s.Suppressed++
			continue
		}
		s.Findings++
		s.BySeverity[f.Severity.Level]++
		if f.Fixed() {
			s.Fixed++
		} else {
			s.Unfixed++
		}
		if f.Remediation.FromBase {
			s.FromBase++
			if f.Fixed() {
				s.FromBaseFixed++
			}
		}
	}
	return s
}

// Sentences are the summary in words, for the end of a report: the
// counts, what has a fix, and where the fixes lie (for example "41
// findings come from base layers: rebuild on a newer base").
func (s Summary) Sentences() []string {
	out := []string{fmt.Sprintf("%s (%s)", plural(s.Findings, "finding"), s.severities())}
	if s.Findings > 0 {
		out = append(out, fmt.Sprintf("%d have a fixed version, %d have none yet", s.Fixed, s.Unfixed))
	}
	if s.FromBase > 0 {
		out = append(out, fmt.Sprintf("%s from base layers: rebuild on a newer base", comeFrom(s.FromBase)))
	}
	if app := s.Findings - s.FromBase; s.BaseKnown && app > 0 {
		out = append(out, fmt.Sprintf("%s from the image's own layers: upgrade them in its build", comeFrom(app)))
	}
	if s.Suppressed > 0 {
		out = append(out, fmt.Sprintf("%s suppressed by VEX or ignore rules", plural(s.Suppressed, "finding")))
	}
	if s.Unscannable > 0 {
		out = append(out, fmt.Sprintf("%s could not be scanned", plural(s.Unscannable, "package")))
	}
	return out
}

func (s Summary) severities() string {
	var parts string
	for l := severity.Critical; l >= severity.Unknown; l-- {
		if s.BySeverity[l] == 0 {
			continue
		}
		if parts != "" {
			parts += ", "
		}
		parts += fmt.Sprintf("%d %s", s.BySeverity[l], l)
	}
	if parts == "" {
		return "none"
	}
	return parts
}

func comeFrom(n int) string {
	if n == 1 {
		return "1 finding comes"
	}
	return fmt.Sprintf("%d findings come", n)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
