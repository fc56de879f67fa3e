package match

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Bounds on what one finding repeats from a record, so that a record with
// enormous ranges or version lists gives a finding of bounded size.
const (
	maxRangeEvents  = 24
	maxSummaryRunes = 200
)

// group is the hits for one package that describe one vulnerability; the
// first is the preferred record.
type group []hit

// mergeAliases groups the hits whose records are aliases of one another
// (sharing an id through their own id or aliases) and orders each group
// with its preferred record first (see the package documentation).
func mergeAliases(hs []hit) []group {
	parent := make([]int, len(hs))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, h := range hs {
		for _, id := range append([]string{h.rec.ID}, h.rec.Aliases...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	byRoot := map[int]group{}
	var roots []int
	for i, h := range hs {
		r := find(i)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], h)
	}
	out := make([]group, 0, len(roots))
	for _, r := range roots {
		g := byRoot[r]
		slices.SortFunc(g, func(a, b hit) int {
			return cmp.Or(cmp.Compare(idRank(a.rec.ID), idRank(b.rec.ID)), cmp.Compare(a.rec.ID, b.rec.ID))
		})
		out = append(out, g)
	}
	return out
}

// idRank orders the ids of one vulnerability: a database's own id (GO-,
// RUSTSEC-, PYSEC-, DEBIAN-, ...) first, then GHSA, then a bare CVE.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	case strings.HasPrefix(id, "CVE-"):
		return 2
	}
	return 0
}

// finding builds the finding of package p for one group of hits.
func (m *matcher) finding(inv *inventory.Inventory, p *inventory.Package, t target, g group, base int) vuln.Finding {
	h := g[0]
	f := vuln.Finding{
		ID:            h.rec.ID,
		Aliases:       aliases(g),
		Summary:       summary(h.rec),
		Package:       packageOf(p),
		Severity:      severity.Rate(h.rec, h.aff),
		FixedVersions: fixedVersions(h, t),
		Match: vuln.Match{
			Ecosystem:  h.aff.Package.Ecosystem,
			Name:       h.aff.Package.Name,
			Range:      rangesText(h.aff, h.res),
			Event:      eventText(h.res),
			DataSource: m.dataSource(h.rec, t.eco),
		},
		References: references(h.rec),
	}
	for _, o := range g[1:] {
		f.Match.Merged = append(f.Match.Merged, o.rec.ID)
	}
	f.Remediation = remediation(inv, p, t, f.FixedVersions, base)
	return f
}

// aliases lists every id of the group other than the finding's own, from
// the records' ids, aliases and upstream fields: CVE ids first, then the
// others, each in order.
func aliases(g group) []string {
	seen := map[string]bool{g[0].rec.ID: true}
	var cves, others []string
	for _, h := range g {
		for _, id := range slices.Concat([]string{h.rec.ID}, h.rec.Aliases, h.rec.Upstream) {
			if seen[id] || id == "" {
				continue
			}
			seen[id] = true
			if strings.HasPrefix(id, "CVE-") {
				cves = append(cves, id)
			} else {
				others = append(others, id)
			}
		}
	}
	slices.Sort(cves)
	slices.Sort(others)
	return append(cves, others...)
}

// summary is the record's summary, or the first line of its details
// (Debian's records have no summary), cut to maxSummaryRunes.
func summary(v *osv.Vulnerability) string {
	s := v.Summary
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(v.Details), "\n")
	}
	if r := []rune(s); len(r) > maxSummaryRunes {
		s = string(r[:maxSummaryRunes-1]) + "…"
	}
	return s
}

// fixedVersions returns the fixed events above the installed version, in
// the ecosystem's order: those of the range that matched, or of every
// range when the version matched the explicit versions list. A fixed
// event at or below the installed version closes another interval and
// does not fix this one.
func fixedVersions(h hit, t target) []string {
	ranges := h.aff.Ranges
	if h.res.Range >= 0 {
		ranges = ranges[h.res.Range : h.res.Range+1]
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range ranges {
		if r.Type == osv.RangeGit {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed == "" || seen[e.Fixed] {
				continue
			}
			seen[e.Fixed] = true
			if c, err := t.cmp.Compare(e.Fixed, t.version); err == nil && c > 0 {
				out = append(out, e.Fixed)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		c, _ := t.cmp.Compare(a, b)
		return c
	})
	return out
}

// rangesText writes the affected entry's ECOSYSTEM and SEMVER ranges as
// events ("ECOSYSTEM: introduced 0, fixed 3.0.11-1"), the one that matched
// first, separated by "; ", or "listed version" when the explicit versions
// list matched. At most maxRangeEvents events are written.
func rangesText(a *osv.Affected, res osv.Result) string {
	if res.Range < 0 {
		return fmt.Sprintf("listed version (one of %d)", len(a.Versions))
	}
	order := []int{res.Range}
	for i, r := range a.Ranges {
		if i != res.Range && r.Type != osv.RangeGit {
			order = append(order, i)
		}
	}
	var b strings.Builder
	left := maxRangeEvents
	for n, i := range order {
		r := a.Ranges[i]
		if n > 0 {
			b.WriteString("; ")
		}
		if left <= 0 {
			fmt.Fprintf(&b, "%d more ranges", len(order)-n)
			break
		}
		b.WriteString(r.Type + ": ")
		for j, e := range r.Events {
			if j > 0 {
				b.WriteString(", ")
			}
			if left == 0 {
				fmt.Fprintf(&b, "%d more events", len(r.Events)-j)
				break
			}
			b.WriteString(eventString(e))
			left--
		}
	}
	return b.String()
}

func eventString(e osv.Event) string {
	switch {
	case e.Introduced != "":
		return "introduced " + e.Introduced
	case e.Fixed != "":
		return "fixed " + e.Fixed
	case e.LastAffected != "":
		return "last_affected " + e.LastAffected
	}
	return "limit " + e.Limit
}

// eventText names the event that placed the version in the range: the
// explicit version listed, the last_affected event the version is at or
// below, or the introduced event it is at or after (with no fix reached).
func eventText(res osv.Result) string {
	var s string
	switch {
	case res.Range < 0:
		return "listed " + res.Version
	case res.LastAffected != "":
		s = "last_affected " + res.LastAffected
	default:
		s = "introduced " + res.Introduced
	}
	if res.Limit != "" {
		s += " (below limit " + res.Limit + ")"
	}
	return s
}

// dataSource says where a record came from: the record's own
// database_specific.source when it names one (the Debian and Alpine
// conversions do), else the database source that holds the ecosystem's
// records, else the ecosystem.
func (m *matcher) dataSource(v *osv.Vulnerability, eco string) string {
	var ds struct {
		Source string `json:"source"`
	}
	if len(v.DatabaseSpecific) > 0 && json.Unmarshal(v.DatabaseSpecific, &ds) == nil && ds.Source != "" {
		return ds.Source
	}
	var names []string
	for _, s := range m.status.Sources {
		if s.Ecosystems[eco] > 0 {
			names = append(names, cmp.Or(s.URL, s.Name))
		}
	}
	if len(names) == 0 {
		return eco
	}
	return strings.Join(names, ", ")
}

// references lists the record's reference URLs once each, in order.
func references(v *osv.Vulnerability) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range v.References {
		if r.URL != "" && !seen[r.URL] {
			seen[r.URL] = true
			out = append(out, r.URL)
		}
	}
	return out
}
