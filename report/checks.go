package report

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/vuln"
)

// domainTitles name the report sections of the check domains, in the
// order the sections come.
var domainTitles = []struct{ domain, title string }{
	{check.DomainOS, "OS hardening"},
	{check.DomainImage, "Image configuration"},
	{check.DomainDockerfile, "Dockerfile"},
	{check.DomainKubernetes, "Kubernetes"},
	{check.DomainSecret, "Secrets"},
}

// checkGroup is the check findings of one domain, sorted by check.Sort
// (most severe first).
type checkGroup struct {
	Domain, Title string
	Findings      []check.Finding
}

// checkGroups splits r's check findings by domain, in the order of
// domainTitles; domains vigil does not know come last, by name.
func checkGroups(r *vuln.Report) []checkGroup {
	fs := slices.Clone(r.Checks)
	check.Sort(fs)
	byDomain := map[string][]check.Finding{}
	for _, f := range fs {
		byDomain[f.Domain] = append(byDomain[f.Domain], f)
	}
	var groups []checkGroup
	for _, d := range domainTitles {
		if g := byDomain[d.domain]; len(g) > 0 {
			groups = append(groups, checkGroup{Domain: d.domain, Title: d.title, Findings: g})
			delete(byDomain, d.domain)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(byDomain)) {
		groups = append(groups, checkGroup{Domain: d, Title: cmp.Or(d, "Other checks"), Findings: byDomain[d]})
	}
	return groups
}

// hasVulnerabilityScan reports whether r is the result of a vulnerability
// scan: it names advisory data, or has findings or unscannable packages.
// A report of checks alone (`vigil scan config`, or --scanners without
// vuln) has none of these, and the formats then say nothing about
// vulnerabilities.
func hasVulnerabilityScan(r *vuln.Report) bool {
	return !r.Database.Built.IsZero() || len(r.Findings) > 0 || len(r.Unscannable) > 0
}

// where says where a check finding was seen: "file:line", the object, or
// both, and the image layer: "Dockerfile:3", "config.User",
// "deploy.yaml:12 Deployment/web container app", "/etc/shadow (layer 2)".
func where(f check.Finding) string {
	var parts []string
	if ev := f.Evidence; ev.File != "" {
		if ev.Line > 0 {
			parts = append(parts, ev.File+":"+strconv.Itoa(ev.Line))
		} else {
			parts = append(parts, ev.File)
		}
	}
	if f.Evidence.Object != "" {
		parts = append(parts, f.Evidence.Object)
	}
	if len(parts) == 0 {
		parts = append(parts, "-")
	}
	if f.Evidence.Layer >= 0 {
		parts = append(parts, "(layer "+strconv.Itoa(f.Evidence.Layer)+")")
	}
	return strings.Join(parts, " ")
}

// inScannedTree reports whether a check finding's file is a path in the
// scanned image or root file system (rooted, like packages' locations),
// rather than a file given on the command line: Dockerfiles and manifests
// are files of the user's tree, everything else is found in the scanned
// tree.
func inScannedTree(f check.Finding) bool {
	return f.Domain != check.DomainDockerfile && f.Domain != check.DomainKubernetes
}

// referenceText names a reference: "CIS Docker Benchmark v1.6.0 4.1
// (Ensure that a user for the container has been created)".
func referenceText(ref check.Reference) string {
	s := strings.TrimSpace(ref.Standard + " " + ref.Section)
	if ref.Title != "" {
		s += " (" + ref.Title + ")"
	}
	return s
}
