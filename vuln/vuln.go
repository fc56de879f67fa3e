// Package vuln is the model of what a vulnerability scan reports: findings
// (one package affected by one advisory), each rated, explained and with a
// remediation, and the packages that could not be scanned. The matcher
// (package match) produces a Report; the report formats (package report)
// and the CI gate consume it.
package vuln

import (
	"time"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/severity"
)

// SchemaVersion is the version of the JSON form of Report. It changes when
// a field changes meaning or is removed, not when one is added.
const SchemaVersion = "1"

// Report is the result of scanning one inventory.
type Report struct {
	SchemaVersion string           `json:"schemaVersion"`
	Tool          inventory.Tool   `json:"tool"`
	Source        inventory.Source `json:"source"`
	OS            *inventory.OS    `json:"os,omitempty"`
	// Layers are the image's layers; Package.Layer indexes them.
	Layers []inventory.Layer `json:"layers,omitempty"`
	// BaseLayers is the number of leading layers that come from the base
	// image (see Remediation.FromBase), -1 when it is not known.
	BaseLayers int `json:"baseLayers"`
	// Database describes the advisory data the scan used.
	Database Database `json:"database"`
	// Findings are sorted by severity (most severe first), then package,
	// then advisory id. Suppressed findings stay, with Suppression set.
	Findings []Finding `json:"findings"`
	// Checks are the findings of the best-practice, misconfiguration and
	// secret checks (package check), sorted by check.Sort.
	Checks []check.Finding `json:"checks,omitempty"`
	// Unscannable are packages that could not be matched, and why.
	Unscannable []Unscannable       `json:"unscannable,omitempty"`
	Warnings    []inventory.Warning `json:"warnings,omitempty"`
}

// Database describes the advisory database used for a scan.
type Database struct {
	// Built is when the database was last updated.
	Built time.Time `json:"built"`
	// Sources name where its records came from (URLs or imported files).
	Sources []string `json:"sources,omitempty"`
}

// Package is the affected package, as the inventory lists it.
type Package struct {
	Name          string   `json:"name"`
	Version       string   `json:"version"`
	Type          string   `json:"type"`
	Ecosystem     string   `json:"ecosystem,omitempty"`
	PURL          string   `json:"purl,omitempty"`
	SourceName    string   `json:"sourceName,omitempty"`
	SourceVersion string   `json:"sourceVersion,omitempty"`
	Layer         int      `json:"layer"`
	Locations     []string `json:"locations,omitempty"`
	Dev           bool     `json:"dev,omitempty"`
}

// Finding is one package affected by one advisory.
type Finding struct {
	// ID is the advisory's id (CVE-..., GHSA-..., GO-..., DSA-...).
	ID string `json:"id"`
	// Aliases are the other ids of the same vulnerability, from the
	// record's aliases and upstream fields (CVE ids first).
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	Package Package  `json:"package"`
	// Severity is the one rating given, with where it came from and why.
	Severity severity.Rating `json:"severity"`
	// FixedVersions are the versions that fix it in this package's
	// ecosystem (empty: no fix is published).
	FixedVersions []string `json:"fixedVersions,omitempty"`
	// Match says why the package is affected.
	Match Match `json:"match"`
	// Remediation is what to do about it.
	Remediation Remediation `json:"remediation"`
	References  []string    `json:"references,omitempty"`
	// Suppression is set when a VEX statement or an ignore rule applies.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// Fixed reports whether a fixed version is published.
func (f *Finding) Fixed() bool { return len(f.FixedVersions) > 0 }

// Match explains a match: which record, which package name in which
// ecosystem, which range and which event decided.
type Match struct {
	// Ecosystem and Name are the advisory's ("Debian:12" and the source
	// package "openssl" for the binary package libssl3).
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	// Range is the affected range as events ("introduced 0, fixed 3.0.11-1")
	// or "listed version" for an explicit versions list.
	Range string `json:"range"`
	// Event is the event that placed the version in the range
	// ("introduced 0", "last_affected 1.2.3", "listed 1.0.0").
	Event string `json:"event"`
	// DataSource is where the record came from (the database source).
	DataSource string `json:"dataSource,omitempty"`
	// Merged are the ids of other records that matched the same package
	// and are aliases of this one (the same vulnerability): they were
	// folded into this finding, and their ids are also in Aliases.
	Merged []string `json:"merged,omitempty"`
}

// Remediation is a concrete action for one finding.
type Remediation struct {
	// Action is a command or edit that fixes the finding
	// ("apt-get install --only-upgrade libssl3", "go get golang.org/x/net@v0.23.0").
	// Empty when no fix is published.
	Action string `json:"action,omitempty"`
	// FromBase is true when the package was installed by a layer of the
	// base image: the fix is to rebuild on a newer base.
	FromBase bool `json:"fromBase"`
	// CreatedBy is the build instruction of the layer that installed it.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Suppression records why a finding is not counted.
type Suppression struct {
	// Kind is "vex" or "ignore".
	Kind string `json:"kind"`
	// Status is the VEX status (not_affected, fixed) or "ignored".
	Status string `json:"status"`
	// Justification and Reason are the statement's own words.
	Justification string `json:"justification,omitempty"`
	Reason        string `json:"reason,omitempty"`
	// Source names the VEX document or ignore file.
	Source string `json:"source"`
	// Expires is when an ignore rule stops applying.
	Expires *time.Time `json:"expires,omitempty"`
}

// Unscannable is a package the scan could not match.
type Unscannable struct {
	Package Package `json:"package"`
	// Reason is why: "version unknown ((devel))", "no advisory data for
	// ecosystem X", "invalid version: ...".
	Reason string `json:"reason"`
}
