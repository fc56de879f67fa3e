// Package match finds the vulnerabilities of an inventory's packages in
// the advisory database: inventory x advisories -> findings (vuln.Report).
//
// # Matching
//
// Each package is turned into a target (see targetOf and matchName): an
// OSV ecosystem, the package name advisories use and the version to
// compare.
//
//   - OS packages by the distribution release's ecosystem ("Debian:12",
//     "Ubuntu:22.04", "Alpine:v3.20", "Rocky Linux:9", ...: the package's
//     own Ecosystem, else derived from the inventory's OS release or the
//     package URL's distro qualifier). Debian and Alpine packages are
//     matched by their source package, and Debian's by the source version.
//   - Language packages by ecosystem and the name as vulndb.NormalizeName
//     folds it. Go modules by module path; the toolchain that built a
//     binary is the package "stdlib", matched against the Go records'
//     "stdlib" entries only: the "toolchain" entries are about the go
//     command, which a binary does not contain (govulncheck does the same).
//
// A package whose version is unknown, empty or "(devel)", whose ecosystem
// has no records in the database, or whose version the ecosystem's
// comparer rejects is never silently unaffected: it goes to
// Report.Unscannable with the reason.
//
// The database is read once per distinct (ecosystem, normalized name),
// and each record's ranges are evaluated once per distinct version
// (osv.Affected.Evaluate, the OSV schema's algorithm, with the ecosystem's
// comparer). A record whose ranges cannot be evaluated gives a warning
// rather than an error.
//
// # One finding per vulnerability
//
// A package gets one finding per record that affects it. Records that are
// aliases of one another (one's id is in the other's aliases, or they
// share an alias: a GHSA and a GO- record for the same CVE) describe one
// vulnerability: they become one finding, whose id is the preferred
// record's (a database's own id over a GHSA id over a bare CVE record, then
// the smallest id), whose Aliases list every id of the group, and whose
// Match.Merged lists the other records. The `upstream` field does not
// merge: a distribution advisory derived from several CVEs is not any one
// of them.
//
// Findings are sorted by severity (most severe first), package name,
// version and id; Suppression is left nil for the VEX and ignore rules
// applied later.
package match

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/vuln"
	"github.com/vigil-dev/vigil/vulndb"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Options configure Match. The zero value matches without knowing where
// the base image ends (Report.BaseLayers is -1).
type Options struct {
	// History is the image configuration's history, oldest first (the
	// image's v1.ConfigFile.History), from which the base image's layers
	// are guessed (see BaseLayers). Nil when there is none (an SBOM, a
	// directory).
	History []v1.History
	// BaseDiffIDs are the layer diffIDs of the base image, when the
	// caller has resolved it (for example from the
	// org.opencontainers.image.base.name and .digest annotations). They
	// take precedence over History.
	BaseDiffIDs []string
}

// DB is the part of the advisory database Match reads; *vulndb.DB
// implements it.
type DB interface {
	Affecting(ecosystem, name string) ([]*osv.Vulnerability, error)
	Status() (vulndb.Status, error)
}

var _ DB = (*vulndb.DB)(nil)

// Match matches every package of inv against the advisories in db and
// returns the findings, with the packages that could not be matched.
func Match(ctx context.Context, inv *inventory.Inventory, db DB, opts Options) (*vuln.Report, error) {
	st, err := db.Status()
	if err != nil {
		return nil, err
	}
	base, baseWarn := BaseLayers(inv.Layers, opts.History, opts.BaseDiffIDs)
	r := &vuln.Report{
		SchemaVersion: vuln.SchemaVersion,
		Tool:          inv.Tool,
		Source:        inv.Source,
		OS:            inv.OS,
		Layers:        inv.Layers,
		BaseLayers:    base,
		Database:      vuln.Database{Built: st.Built, Sources: sourceNames(st)},
		Findings:      []vuln.Finding{},
	}
	if baseWarn != "" {
		r.Warnings = append(r.Warnings, inventory.Warning{Layer: -1, Message: baseWarn})
	}
	m := &matcher{db: db, status: st, records: map[lookupKey][]*osv.Vulnerability{}, evals: map[evalKey][]hit{}, warned: map[string]bool{}}
	for i := range inv.Packages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &inv.Packages[i]
		t, reason := targetOf(p, inv.OS, st.Ecosystems)
		if reason != "" {
			r.Unscannable = append(r.Unscannable, vuln.Unscannable{Package: packageOf(p), Reason: reason})
			continue
		}
		hits, err := m.hits(t)
		if err != nil {
			return nil, err
		}
		for _, g := range mergeAliases(hits) {
			r.Findings = append(r.Findings, m.finding(inv, p, t, g, base))
		}
	}
	r.Warnings = append(r.Warnings, m.warnings...)
	sortFindings(r.Findings)
	return r, nil
}

// matcher caches lookups and evaluations across the packages of one scan.
type matcher struct {
	db       DB
	status   vulndb.Status
	records  map[lookupKey][]*osv.Vulnerability
	evals    map[evalKey][]hit
	warned   map[string]bool
	warnings []inventory.Warning
}

// evalKey identifies one evaluation: the records of a key at one version.
type evalKey struct {
	lookupKey
	version string
}

// hit is one record affecting a target: the affected entry and the range
// evaluation that decided.
type hit struct {
	rec *osv.Vulnerability
	aff *osv.Affected
	res osv.Result
}

// hits returns the records that affect t, looking each key up once and
// evaluating each version once.
func (m *matcher) hits(t target) ([]hit, error) {
	k := t.key()
	ek := evalKey{k, t.version}
	if hs, ok := m.evals[ek]; ok {
		return hs, nil
	}
	recs, ok := m.records[k]
	if !ok {
		var err error
		recs, err = m.db.Affecting(t.eco, t.name)
		if err != nil {
			return nil, fmt.Errorf("failed to look up %s %s: %w", t.eco, t.name, err)
		}
		m.records[k] = recs
	}
	var hs []hit
	for _, rec := range recs {
		if h, ok := m.evaluate(rec, k, t); ok {
			hs = append(hs, h)
		}
	}
	m.evals[ek] = hs
	return hs, nil
}

// evaluate evaluates the affected entries of rec that name k's package.
// The first entry that includes the version decides. Entries whose ranges
// cannot be compared give one warning per record.
func (m *matcher) evaluate(rec *osv.Vulnerability, k lookupKey, t target) (hit, bool) {
	for i := range rec.Affected {
		a := &rec.Affected[i]
		if a.Package.Ecosystem != k.eco || vulndb.NormalizeName(k.eco, a.Package.Name) != k.name {
			continue
		}
		res, ok, err := a.Evaluate(t.version, t.cmp.Compare)
		if err != nil {
			m.warn(rec.ID, fmt.Sprintf("advisory %s: ranges for %s %s cannot be evaluated: %v", rec.ID, k.eco, a.Package.Name, err))
		}
		if ok {
			return hit{rec: rec, aff: a, res: res}, true
		}
	}
	return hit{}, false
}

// warn records a warning once per record.
func (m *matcher) warn(id, msg string) {
	if m.warned[id] {
		return
	}
	m.warned[id] = true
	m.warnings = append(m.warnings, inventory.Warning{Layer: -1, Message: msg})
}

// sourceNames lists the database's sources for the report.
func sourceNames(st vulndb.Status) []string {
	var out []string
	for _, s := range st.Sources {
		out = append(out, cmp.Or(s.URL, s.Name))
	}
	return out
}

// packageOf copies the inventory package's identity into a finding.
func packageOf(p *inventory.Package) vuln.Package {
	return vuln.Package{
		Name: p.Name, Version: p.Version, Type: p.Type, Ecosystem: p.Ecosystem, PURL: p.PURL,
		SourceName: p.SourceName, SourceVersion: p.SourceVersion,
		Layer: p.Layer, Locations: slices.Clone(p.Locations), Dev: p.Dev,
	}
}

// sortFindings orders findings by severity (most severe first), then
// package name, version, type and advisory id.
func sortFindings(fs []vuln.Finding) {
	slices.SortStableFunc(fs, func(a, b vuln.Finding) int {
		return cmp.Or(
			b.Severity.Level.Compare(a.Severity.Level),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.Package.Type, b.Package.Type),
			cmp.Compare(a.ID, b.ID),
			slices.Compare(a.Package.Locations, b.Package.Locations),
		)
	})
}
