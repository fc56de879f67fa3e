// Package severity gives each finding one severity level and says where it
// came from, so that a user can see why a finding is rated as it is.
//
// # Precedence
//
// Rate picks the first source that yields a level, in this order:
//
//  1. The distribution's own rating, for packages of an OS distribution
//     (Debian, Ubuntu, Alpine, Red Hat and the other ecosystems listed in
//     distributions): a severity word under "severity" or "urgency" in the
//     affected entry's ecosystem_specific or database_specific, then in the
//     record's database_specific, then an OSV severity of type "Ubuntu" in
//     the affected entry, then in the record. A distribution rates the
//     package it ships, with its patches and build options, so its word is
//     closer to the finding than a score computed for the upstream project.
//  2. A CVSS base score computed from a vector with
//     github.com/pandatix/go-cvss: the affected entry's severity first,
//     then the record's; within one list CVSS v4.0, then v3.1, then v3.0,
//     then v2. Scores map to levels by the CVSS v3.x/v4.0 qualitative
//     rating scale (0.0 negligible, i.e. "None"; 0.1-3.9 low; 4.0-6.9
//     medium; 7.0-8.9 high; 9.0-10.0 critical) and, for v2, by NVD's scale
//     (0.0-3.9 low, 4.0-6.9 medium, 7.0-10.0 high). For v4.0 the base score
//     (CVSS-B) is used: threat and environmental metrics in a vector are
//     ignored, as v3's BaseScore ignores temporal and environmental ones.
//  3. A severity word in database_specific.severity of the affected entry
//     or the record, as GitHub ("MODERATE") and GitLab ("UNKNOWN") write.
//  4. Unknown.
//
// A source that is present but unusable (a vector that does not parse, a
// word such as "UNKNOWN" or "not yet assigned") does not decide; the next
// one is tried.
package severity

import (
	"fmt"
	"strings"
)

// Level is a severity level. Levels order from Unknown (lowest) to
// Critical; the zero value is Unknown.
type Level int

// Levels.
const (
	Unknown Level = iota
	Negligible
	Low
	Medium
	High
	Critical
)

var names = [...]string{"unknown", "negligible", "low", "medium", "high", "critical"}

// String returns the level as a lowercase word.
func (l Level) String() string {
	if l < Unknown || l > Critical {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return names[l]
}

// Compare returns -1, 0 or +1 as l is less severe than, as severe as, or
// more severe than o.
func (l Level) Compare(o Level) int {
	switch {
	case l < o:
		return -1
	case l > o:
		return 1
	}
	return 0
}

// words maps the severity words of real feeds to levels; see Parse.
var words = map[string]Level{
	"critical":         Critical, // everyone
	"high":             High,
	"important":        High, // Red Hat
	"medium":           Medium,
	"moderate":         Medium, // GitHub, Red Hat
	"low":              Low,
	"negligible":       Negligible, // Ubuntu
	"unimportant":      Negligible, // Debian
	"none":             Negligible, // CVSS, NVD
	"info":             Negligible, // GitLab
	"informational":    Negligible,
	"unknown":          Unknown, // GitLab, NVD
	"not yet assigned": Unknown, // Debian
	"untriaged":        Unknown, // Ubuntu
	"end-of-life":      Unknown, // Debian: no longer rated
}

// Parse reads a severity word, in any case: the levels' own words and the
// words that advisory feeds use ("moderate", "important", "unimportant",
// "UNKNOWN", "not yet assigned", ...). An unrecognised word is an error.
func Parse(word string) (Level, error) {
	l, ok := words[strings.ToLower(strings.TrimSpace(word))]
	if !ok {
		return Unknown, fmt.Errorf("severity: unknown severity word %q", word)
	}
	return l, nil
}

// MarshalText encodes the level as its lowercase word.
func (l Level) MarshalText() ([]byte, error) {
	if l < Unknown || l > Critical {
		return nil, fmt.Errorf("severity: invalid level %d", int(l))
	}
	return []byte(names[l]), nil
}

// UnmarshalText decodes a level from any word Parse accepts.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
