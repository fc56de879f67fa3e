package report

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/cyclonedx"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// Property names on CycloneDX vulnerabilities; see the package
// documentation.
const (
	PropMatchRange       = "vigil:match:range"
	PropMatchEvent       = "vigil:match:event"
	PropRemediationBase  = "vigil:remediation:fromBase"
	PropSuppressionKind  = "vigil:suppression:kind"
	PropSuppressionSrc   = "vigil:suppression:source"
	PropSuppressionUntil = "vigil:suppression:expires"
)

// writeCycloneDX writes r as a CycloneDX 1.6 BOM with vulnerabilities. The
// components are written by sbom/cyclonedx, from an inventory of the
// affected (and unscannable) packages, so that their bom-refs are the
// ones vigil's SBOM gives the same packages; the vulnerabilities are then
// added, one per finding.
func writeCycloneDX(w io.Writer, r *vuln.Report, opts Options) error {
	inv := inventoryOf(r)
	var buf bytes.Buffer
	if err := cyclonedx.Encode(&buf, inv, cyclonedx.Options{Now: opts.now}); err != nil {
		return err
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(&buf, cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return fmt.Errorf("failed to re-read CycloneDX components: %w", err)
	}
	vulns := make([]cdx.Vulnerability, 0, len(r.Findings))
	for _, f := range sorted(r) {
		vulns = append(vulns, cdxVulnerability(f, componentRef(f.Package)))
	}
	bom.Vulnerabilities = &vulns
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&bom); err != nil {
		return fmt.Errorf("failed to write CycloneDX: %w", err)
	}
	return nil
}

// componentRef is the bom-ref sbom/cyclonedx gives a package: its purl, or
// "vigil:<type>/<name>@<version>/<arch>" without one (vuln.Package has no
// architecture, so the last part is empty).
func componentRef(p vuln.Package) string {
	if p.PURL != "" {
		return p.PURL
	}
	return "vigil:" + inventoryPackage(p).Key()
}

// inventoryOf is the inventory of r's image holding each affected or
// unscannable package once (by bom-ref, so that none gets a suffix and
// componentRef names its component).
func inventoryOf(r *vuln.Report) *inventory.Inventory {
	inv := &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		Tool:          r.Tool,
		Source:        r.Source,
		OS:            r.OS,
		Layers:        r.Layers,
	}
	seen := map[string]bool{}
	add := func(p vuln.Package) {
		if ref := componentRef(p); !seen[ref] {
			seen[ref] = true
			inv.Packages = append(inv.Packages, inventoryPackage(p))
		}
	}
	for _, f := range r.Findings {
		add(f.Package)
	}
	for _, u := range r.Unscannable {
		add(u.Package)
	}
	return inv
}

func inventoryPackage(p vuln.Package) inventory.Package {
	return inventory.Package{
		Name: p.Name, Version: p.Version, Type: p.Type, Ecosystem: p.Ecosystem, PURL: p.PURL,
		SourceName: p.SourceName, SourceVersion: p.SourceVersion,
		Layer: p.Layer, Locations: p.Locations, Dev: p.Dev,
	}
}

func cdxVulnerability(f vuln.Finding, ref string) cdx.Vulnerability {
	v := cdx.Vulnerability{
		ID:             f.ID,
		Source:         &cdx.Source{Name: cmp.Or(f.Match.DataSource, "OSV")},
		Ratings:        &[]cdx.VulnerabilityRating{cdxRating(f.Severity)},
		Description:    f.Summary,
		Detail:         fmt.Sprintf("%s %s is in the affected range of %s %s: %s (%s).", f.Package.Name, f.Package.Version, f.Match.Ecosystem, f.Match.Name, f.Match.Range, f.Match.Event),
		Recommendation: remedy(f),
		Affects: &[]cdx.Affects{{
			Ref:   ref,
			Range: &[]cdx.AffectedVersions{{Version: f.Package.Version, Status: affectedStatus(f.Suppression)}},
		}},
	}
	if len(f.Aliases) > 0 {
		refs := make([]cdx.VulnerabilityReference, 0, len(f.Aliases))
		for _, a := range f.Aliases {
			refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: aliasSource(a)})
		}
		v.References = &refs
	}
	if urls := httpRefs(f.References); len(urls) > 0 {
		advs := make([]cdx.Advisory, 0, len(urls))
		for _, u := range urls {
			advs = append(advs, cdx.Advisory{URL: u})
		}
		v.Advisories = &advs
	}
	var props properties
	props.add(PropMatchRange, f.Match.Range)
	props.add(PropMatchEvent, f.Match.Event)
	props.add(PropRemediationBase, strconv.FormatBool(f.Remediation.FromBase))
	if s := f.Suppression; s != nil {
		v.Analysis = cdxAnalysis(s)
		props.add(PropSuppressionKind, s.Kind)
		props.add(PropSuppressionSrc, s.Source)
		if s.Expires != nil {
			props.add(PropSuppressionUntil, s.Expires.UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	v.Properties = props.list()
	return v
}

// cdxRating turns a rating into a CycloneDX rating: the score and vector
// when a CVSS vector decided, and the rating's source and reason.
func cdxRating(r severity.Rating) cdx.VulnerabilityRating {
	out := cdx.VulnerabilityRating{
		Source:        &cdx.Source{Name: r.Source},
		Severity:      cdxSeverity(r.Level),
		Method:        cdxMethod(r.Vector),
		Vector:        r.Vector,
		Justification: r.Reason,
	}
	if r.Vector != "" {
		score := r.Score
		out.Score = &score
	}
	return out
}

func cdxSeverity(l severity.Level) cdx.Severity {
	switch l {
	case severity.Critical:
		return cdx.SeverityCritical
	case severity.High:
		return cdx.SeverityHigh
	case severity.Medium:
		return cdx.SeverityMedium
	case severity.Low:
		return cdx.SeverityLow
	case severity.Negligible:
		return cdx.SeverityInfo
	}
	return cdx.SeverityUnknown
}

// cdxMethod names the scoring method of a CVSS vector; "other" for a
// rating that no vector decided.
func cdxMethod(vector string) cdx.ScoringMethod {
	switch {
	case vector == "":
		return cdx.ScoringMethodOther
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return cdx.ScoringMethodCVSSv3
	}
	return cdx.ScoringMethodCVSSv2
}

// aliasSource names the database an alias comes from.
func aliasSource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub Advisory Database", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

// affectedStatus is "unaffected" for a finding that a VEX statement says
// does not affect the package (or fixes it), "affected" otherwise.
func affectedStatus(s *vuln.Suppression) cdx.VulnerabilityStatus {
	if s != nil && s.Kind == KindVEX {
		return cdx.VulnerabilityStatusNotAffected
	}
	return cdx.VulnerabilityStatusAffected
}

// cdxAnalysis records a suppression: a VEX statement's state and
// justification in CycloneDX terms (see the package documentation), an
// ignore rule as a detail only, since no CycloneDX state means "accepted
// for now".
func cdxAnalysis(s *vuln.Suppression) *cdx.VulnerabilityAnalysis {
	a := &cdx.VulnerabilityAnalysis{Detail: suppressionDetail(s)}
	if s.Kind != KindVEX {
		return a
	}
	switch s.Status {
	case StatusNotAffected:
		a.State = cdx.IASNotAffected
	case StatusFixed:
		a.State = cdx.IASResolved
	default:
		a.State = cdx.ImpactAnalysisState(s.Status) // CycloneDX VEX's own states
	}
	a.Justification = cdxJustification(s.Justification)
	return a
}

// openVEXJustifications maps OpenVEX justifications to CycloneDX ones.
var openVEXJustifications = map[string]cdx.ImpactAnalysisJustification{
	"component_not_present":                             cdx.IAJCodeNotPresent,
	"vulnerable_code_not_present":                       cdx.IAJCodeNotPresent,
	"vulnerable_code_not_in_execute_path":               cdx.IAJCodeNotReachable,
	"vulnerable_code_cannot_be_controlled_by_adversary": cdx.IAJProtectedAtRuntime,
	"inline_mitigations_already_exist":                  cdx.IAJProtectedByMitigatingControl,
}

func cdxJustification(j string) cdx.ImpactAnalysisJustification {
	if m, ok := openVEXJustifications[j]; ok {
		return m
	}
	if cdxJustifications[j] {
		return cdx.ImpactAnalysisJustification(j)
	}
	return ""
}

func suppressionDetail(s *vuln.Suppression) string {
	d := fmt.Sprintf("Suppressed by %s %q (%s)", s.Kind, s.Source, s.Status)
	if r := suppressionReason(s); r != "" {
		d += ": " + r
	}
	return d
}

// properties collects non-empty name/value pairs in order.
type properties []cdx.Property

func (ps *properties) add(name, value string) {
	if value != "" {
		*ps = append(*ps, cdx.Property{Name: name, Value: value})
	}
}

func (ps properties) list() *[]cdx.Property {
	if len(ps) == 0 {
		return nil
	}
	l := []cdx.Property(ps)
	return &l
}
