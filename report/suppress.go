package report

import (
	"cmp"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/vuln"
)

// Suppression kinds (vuln.Suppression.Kind and Rule.Kind).
const (
	KindVEX    = "vex"
	KindIgnore = "ignore"
)

// Statuses that suppress a finding. OpenVEX's are not_affected and fixed;
// CycloneDX's analysis states not_affected, false_positive, resolved and
// resolved_with_pedigree; an ignore rule's is "ignored".
const (
	StatusNotAffected = "not_affected"
	StatusFixed       = "fixed"
	StatusIgnored     = "ignored"
)

// suppressing are the statuses after which a finding is not counted.
var suppressing = map[string]bool{
	StatusNotAffected:        true,
	StatusFixed:              true,
	"false_positive":         true,
	"resolved":               true,
	"resolved_with_pedigree": true,
	StatusIgnored:            true,
}

// cdxJustifications are CycloneDX's impact analysis justifications.
var cdxJustifications = map[string]bool{
	"code_not_present": true, "code_not_reachable": true, "requires_configuration": true,
	"requires_dependency": true, "requires_environment": true, "protected_by_compiler": true,
	"protected_at_runtime": true, "protected_at_perimeter": true, "protected_by_mitigating_control": true,
}

// Rule is one suppression input: a VEX statement about one vulnerability,
// or one entry of an ignore file. LoadVEX and LoadIgnore make them.
type Rule struct {
	// Kind is KindVEX or KindIgnore.
	Kind string
	// ID and Aliases name the vulnerability; a finding matches when its id
	// or one of its aliases equals one of them.
	ID      string
	Aliases []string
	// Products are the packages the rule applies to. A VEX rule without
	// products applies to nothing.
	Products []Product
	// Package is an ignore rule's package name, matched against a
	// package's name and its source package's name; empty (with no
	// Products) means every package.
	Package string
	// CheckID is set, instead of ID, by an ignore rule that waives a check
	// (check.Finding.CheckID).
	CheckID string
	// Path restricts a check's ignore rule to findings whose file matches
	// this glob (see MatchPath); empty means every finding of the check.
	Path string
	// Status is the VEX status or analysis state, or StatusIgnored.
	Status string
	// Justification and Reason are the statement's own words.
	Justification string
	Reason        string
	// Source names the document or file the rule comes from.
	Source string
	// Expires is when an ignore rule stops applying.
	Expires *time.Time
	// Timestamp is when a VEX statement was made: of the VEX statements
	// matching a finding, the latest decides (the later one in the input
	// order on a tie), as VEX documents are a sequence of statements, each
	// overriding the previous ones.
	Timestamp time.Time
}

// Product is what a rule applies to: packages whose package URL matches
// PURL (any package when empty), in an image whose manifest or config
// digest is Image (any image when empty).
type Product struct {
	PURL  string
	Image string
}

// Suppress sets the Suppression of every finding of r that a rule
// suppresses and that has none yet. VEX statements come first: the latest
// statement matching a finding decides, and suppresses it when its status
// is not_affected or fixed (false_positive, resolved... for CycloneDX).
// Otherwise the first ignore rule matching the finding that has not
// expired at now suppresses it. Each expired ignore rule adds a warning
// to r.Warnings. Suppressed findings stay in r.
//
// Check findings are waived by ignore rules that name their check (and
// whose path, if any, matches their file); VEX does not apply to them.
// check.Finding has no field to record a suppression, so waived check
// findings are removed from r.Checks.
func Suppress(r *vuln.Report, now time.Time, rules ...Rule) {
	vex := map[string][]int{} // lower-case id -> indices of VEX rules
	var ignores, waivers []Rule
	for i, rule := range rules {
		if rule.Kind != KindVEX {
			switch {
			case rule.Expires != nil && !now.Before(*rule.Expires):
				r.Warnings = append(r.Warnings, inventory.Warning{Layer: -1, Path: rule.Source, Message: expiredMessage(rule)})
			case rule.CheckID != "":
				waivers = append(waivers, rule)
			default:
				ignores = append(ignores, rule)
			}
			continue
		}
		for _, id := range ruleIDs(rule) {
			vex[id] = append(vex[id], i)
		}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppression != nil {
			continue
		}
		if rule, ok := latestVEX(r, f, rules, vex); ok && suppressing[rule.Status] {
			f.Suppression = suppressionOf(rule)
			continue
		}
		for _, rule := range ignores {
			if ignoreMatches(rule, f) {
				f.Suppression = suppressionOf(rule)
				break
			}
		}
	}
	if len(waivers) > 0 {
		r.Checks = slices.DeleteFunc(slices.Clone(r.Checks), func(f check.Finding) bool {
			return slices.ContainsFunc(waivers, func(rule Rule) bool { return waives(rule, f) })
		})
	}
}

func expiredMessage(rule Rule) string {
	return fmt.Sprintf("ignore rule for %s in %s expired on %s and no longer applies", cmp.Or(rule.ID, rule.CheckID), rule.Source, rule.Expires.UTC().Format(time.RFC3339))
}

// waives reports whether a check's ignore rule applies to f.
func waives(rule Rule, f check.Finding) bool {
	if !strings.EqualFold(rule.CheckID, f.CheckID) {
		return false
	}
	return rule.Path == "" || MatchPath(rule.Path, f.Evidence.File)
}

// MatchPath reports whether the path glob of an ignore rule matches file,
// as a .gitignore pattern would: a leading "/" or "./" of either is
// ignored; a pattern without "/" matches any one component of the path (a
// file name or a directory at any depth); a pattern with "/" matches the
// whole path or a leading part of it (a directory and everything under
// it). Components match as path.Match says ("*", "?", "[a-z]"); "*" does
// not cross "/". An empty file, or an invalid pattern, matches nothing.
func MatchPath(pattern, file string) bool {
	pattern, file = trimRoot(pattern), trimRoot(filepath.ToSlash(file))
	if pattern == "" || file == "" {
		return false
	}
	parts := strings.Split(file, "/")
	if !strings.Contains(pattern, "/") {
		for _, p := range parts {
			if ok, _ := path.Match(pattern, p); ok {
				return true
			}
		}
		return false
	}
	for i := len(parts); i > 0; i-- {
		if ok, _ := path.Match(pattern, strings.Join(parts[:i], "/")); ok {
			return true
		}
	}
	return false
}

// trimRoot removes the leading "./" and "/" of a path or pattern, and a
// trailing "/".
func trimRoot(p string) string {
	for {
		switch {
		case strings.HasPrefix(p, "./"):
			p = p[2:]
		case strings.HasPrefix(p, "/"):
			p = p[1:]
		default:
			return strings.TrimSuffix(p, "/")
		}
	}
}

// ruleIDs are the lower-cased, distinct names of a rule's vulnerability.
func ruleIDs(rule Rule) []string {
	var ids []string
	for _, id := range append([]string{rule.ID}, rule.Aliases...) {
		id = strings.ToLower(strings.TrimSpace(id))
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// latestVEX finds the latest VEX statement about f's vulnerability and
// package.
func latestVEX(r *vuln.Report, f *vuln.Finding, rules []Rule, vex map[string][]int) (Rule, bool) {
	best := -1
	seen := map[int]bool{}
	for _, id := range append([]string{f.ID}, f.Aliases...) {
		for _, i := range vex[strings.ToLower(id)] {
			if seen[i] || !productsMatch(r, rules[i].Products, f.Package) {
				continue
			}
			seen[i] = true
			if best < 0 || rules[i].Timestamp.After(rules[best].Timestamp) ||
				(rules[i].Timestamp.Equal(rules[best].Timestamp) && i > best) {
				best = i
			}
		}
	}
	if best < 0 {
		return Rule{}, false
	}
	return rules[best], true
}

func productsMatch(r *vuln.Report, products []Product, p vuln.Package) bool {
	for _, prod := range products {
		if prod.Image != "" && prod.Image != r.Source.ManifestDigest && prod.Image != r.Source.ConfigDigest {
			continue
		}
		if prod.PURL == "" || PURLMatches(prod.PURL, p.PURL) {
			return true
		}
	}
	return false
}

func ignoreMatches(rule Rule, f *vuln.Finding) bool {
	if !idMatches(rule, f) {
		return false
	}
	switch {
	case len(rule.Products) > 0:
		for _, prod := range rule.Products {
			if PURLMatches(prod.PURL, f.Package.PURL) {
				return true
			}
		}
		return false
	case rule.Package != "":
		return rule.Package == f.Package.Name || rule.Package == f.Package.SourceName
	}
	return true
}

func idMatches(rule Rule, f *vuln.Finding) bool {
	ids := ruleIDs(rule)
	for _, id := range append([]string{f.ID}, f.Aliases...) {
		if slices.Contains(ids, strings.ToLower(id)) {
			return true
		}
	}
	return false
}

func suppressionOf(rule Rule) *vuln.Suppression {
	return &vuln.Suppression{
		Kind:          rule.Kind,
		Status:        rule.Status,
		Justification: rule.Justification,
		Reason:        rule.Reason,
		Source:        rule.Source,
		Expires:       rule.Expires,
	}
}

// PURLMatches reports whether the package URL of a VEX product or ignore
// rule (general) matches the package URL of a package (specific), as
// OpenVEX specifies (openvex/spec issue 27, resolved by spec v0.2.0, and
// the reference implementation go-vex's PurlMatches): type, namespace and
// name must be equal; a general purl without a version matches every
// version; each qualifier of the general purl must be present with the same
// value in the specific one, which may have more (so
// "pkg:deb/debian/zlib1g@1.0" matches
// "pkg:deb/debian/zlib1g@1.0?arch=amd64&distro=debian-12", but not the
// other way round); a subpath of the general purl must be equal. Invalid
// purls match nothing.
func PURLMatches(general, specific string) bool {
	g, err := packageurl.FromString(general)
	if err != nil {
		return false
	}
	s, err := packageurl.FromString(specific)
	if err != nil {
		return false
	}
	if g.Type != s.Type || g.Namespace != s.Namespace || g.Name != s.Name {
		return false
	}
	if g.Version != "" && g.Version != s.Version {
		return false
	}
	if g.Subpath != "" && g.Subpath != s.Subpath {
		return false
	}
	sq := s.Qualifiers.Map()
	for k, v := range g.Qualifiers.Map() {
		if sv, ok := sq[k]; !ok || sv != v {
			return false
		}
	}
	return true
}
