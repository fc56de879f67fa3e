package severity

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Rating is one finding's severity and where it came from.
type Rating struct {
	Level  Level   `json:"level"`
	Score  float64 `json:"score,omitempty"`  // the CVSS base score, when a vector decided
	Vector string  `json:"vector,omitempty"` // the CVSS vector, when one decided
	Source string  `json:"source"`           // e.g. "Debian", "CVSS v3.1 vector (osv record GHSA-...)"
	Reason string  `json:"reason"`           // why this source was chosen
}

// distributions are the OSV ecosystems (the part before ":") of OS
// distributions, whose own ratings come first.
var distributions = map[string]bool{
	"AlmaLinux": true, "Alpine": true, "Azure Linux": true, "Chainguard": true,
	"Debian": true, "Mageia": true, "MinimOS": true, "openEuler": true,
	"openSUSE": true, "Photon OS": true, "Red Hat": true, "Rocky Linux": true,
	"SUSE": true, "Ubuntu": true, "Wolfi": true,
}

// Rate rates the finding of package a (nil for the record as a whole) in
// record v, following the precedence in the package documentation.
func Rate(v *osv.Vulnerability, a *osv.Affected) Rating {
	if a != nil {
		if distro, _, _ := strings.Cut(a.Package.Ecosystem, ":"); distributions[distro] {
			if r, ok := distributionRating(distro, v, a); ok {
				return r
			}
		}
	}
	if r, ok := cvssRating(v, a); ok {
		return r
	}
	if r, ok := wordRating(v, a); ok {
		return r
	}
	return Rating{Level: Unknown, Source: "none", Reason: "no distribution rating, usable CVSS vector or severity word"}
}

// field is one place where a severity word may sit.
type field struct {
	raw   json.RawMessage
	key   string
	where string
}

func distributionRating(distro string, v *osv.Vulnerability, a *osv.Affected) (Rating, bool) {
	fields := []field{
		{a.EcosystemSpecific, "severity", "affected ecosystem_specific.severity"},
		{a.EcosystemSpecific, "urgency", "affected ecosystem_specific.urgency"},
		{a.DatabaseSpecific, "severity", "affected database_specific.severity"},
		{a.DatabaseSpecific, "urgency", "affected database_specific.urgency"},
		{v.DatabaseSpecific, "severity", "record database_specific.severity"},
		{v.DatabaseSpecific, "urgency", "record database_specific.urgency"},
	}
	reason := "the distribution's own rating comes first for its packages"
	for _, f := range fields {
		if l, word, ok := levelIn(f); ok {
			return Rating{Level: l, Source: fmt.Sprintf("%s (%s %q of %s)", distro, f.where, word, v.ID), Reason: reason}, true
		}
	}
	for _, s := range []severities{{a.Severity, "affected severity"}, {v.Severity, "record severity"}} {
		for _, sev := range s.list {
			if sev.Type != "Ubuntu" {
				continue
			}
			if l, err := Parse(sev.Score); err == nil && l != Unknown {
				return Rating{Level: l, Source: fmt.Sprintf("%s (%s type Ubuntu %q of %s)", distro, s.where, sev.Score, v.ID), Reason: reason}, true
			}
		}
	}
	return Rating{}, false
}

// levelIn reads a known, decisive severity word from a JSON object member.
func levelIn(f field) (Level, string, bool) {
	if len(f.raw) == 0 {
		return Unknown, "", false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(f.raw, &m) != nil {
		return Unknown, "", false
	}
	var word string
	if json.Unmarshal(m[f.key], &word) != nil {
		return Unknown, "", false
	}
	l, err := Parse(word)
	if err != nil || l == Unknown {
		return Unknown, "", false
	}
	return l, word, true
}

// cvssTypes orders the OSV severity types by preference.
var cvssTypes = []string{"CVSS_V4", "CVSS_V3", "CVSS_V2"}

// severities is one severity list and where it sits.
type severities struct {
	list  []osv.Severity
	where string
}

func cvssRating(v *osv.Vulnerability, a *osv.Affected) (Rating, bool) {
	var lists []severities
	if a != nil {
		lists = append(lists, severities{a.Severity, fmt.Sprintf("affected %s/%s in osv record %s", a.Package.Ecosystem, a.Package.Name, v.ID)})
	}
	lists = append(lists, severities{v.Severity, "osv record " + v.ID})
	for _, l := range lists {
		if r, ok := bestCVSS(l); ok {
			return r, true
		}
	}
	return Rating{}, false
}

// bestCVSS scores the most recent CVSS version in one severity list.
func bestCVSS(l severities) (Rating, bool) {
	var best *CVSS
	var vector string
	for _, typ := range cvssTypes {
		for _, s := range l.list {
			if s.Type != typ {
				continue
			}
			c, err := ScoreCVSS(s.Score)
			if err != nil {
				continue
			}
			if best == nil || c.Version > best.Version {
				best, vector = &c, s.Score
			}
		}
		if best != nil {
			break
		}
	}
	if best == nil {
		return Rating{}, false
	}
	return Rating{
		Level:  best.Level,
		Score:  best.Score,
		Vector: vector,
		Source: fmt.Sprintf("CVSS v%s vector (%s)", best.Version, l.where),
		Reason: fmt.Sprintf("no distribution rating; CVSS v%s base score %.1f is the most recent CVSS version given", best.Version, best.Score),
	}, true
}

func wordRating(v *osv.Vulnerability, a *osv.Affected) (Rating, bool) {
	var fields []field
	if a != nil {
		fields = append(fields, field{a.DatabaseSpecific, "severity", "affected database_specific.severity"})
	}
	fields = append(fields, field{v.DatabaseSpecific, "severity", "database_specific.severity"})
	for _, f := range fields {
		if l, word, ok := levelIn(f); ok {
			return Rating{
				Level:  l,
				Source: fmt.Sprintf("severity word %q (%s of osv record %s)", word, f.where, v.ID),
				Reason: "no distribution rating and no usable CVSS vector; the advisory's own severity word",
			}, true
		}
	}
	return Rating{}, false
}
