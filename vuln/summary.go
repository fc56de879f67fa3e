package vuln

import "github.com/vigil-dev/vigil/severity"

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
