// Package osv is the model of an advisory in the Open Source Vulnerability
// format (https://ossf.github.io/osv-schema/, version 1.6), the one format
// every advisory source is turned into before it is stored.
//
// The types are plain structs decoded with encoding/json rather than the
// OSV project's protobuf bindings (github.com/ossf/osv-schema/bindings/go):
// those decode through protojson, which rejects records carrying fields
// newer than the bindings and costs several times more per record, and a
// database import decodes hundreds of thousands of records. Free-form
// fields (database_specific, ecosystem_specific) stay raw JSON.
package osv

import (
	"encoding/json"
	"time"
)

// Vulnerability is one OSV record.
type Vulnerability struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a severity score: Type is CVSS_V2, CVSS_V3, CVSS_V4 or
// Ubuntu; Score is the vector (or, for Ubuntu, a word).
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected is one affected package and its affected versions.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package names an affected package: Ecosystem is an OSV ecosystem such as
// "Debian:12", "Alpine:v3.20", "Go", "npm" or "PyPI".
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Range types.
const (
	RangeEcosystem = "ECOSYSTEM"
	RangeSemver    = "SEMVER"
	RangeGit       = "GIT"
)

// Range is a version range, as a sequence of events.
type Range struct {
	Type             string          `json:"type"`
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link to more information.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit names someone credited for the advisory.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}
