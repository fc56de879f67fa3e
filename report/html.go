package report

import (
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

//go:embed templates/report.html.tmpl
var templates embed.FS

// htmlTemplate is parsed once; html/template escapes every value by its
// context (text, attribute, URL), so advisory text cannot inject markup
// and a reference that is not an http(s) URL cannot become a javascript:
// link.
var htmlTemplate = template.Must(template.ParseFS(templates, "templates/report.html.tmpl"))

// htmlView is what the HTML template shows.
type htmlView struct {
	Image, Digest, OS, Tool  string
	Generated, DatabaseBuilt string
	Summary                  summary
	Levels                   []htmlLevel
	BaseSentence             string
	Groups                   []htmlGroup
	Suppressed               []htmlRow
	Unscannable              []vuln.Unscannable
	CheckLevels              []htmlLevel
	CheckGroups              []htmlCheckGroup
	Warnings                 []string
}

// htmlCheckGroup is the check findings of one domain.
type htmlCheckGroup struct {
	Title string
	Rows  []htmlCheckRow
}

type htmlCheckRow struct {
	CheckID, Title  string
	Severity, Class string
	Where, Message  string
	Description     string
	Remediation     string
	Snippet         string
	Layer           string
	References      []htmlReference
}

// htmlReference is a check's reference; URL is set only for http(s) URLs.
type htmlReference struct {
	Text, URL string
}

type htmlLevel struct {
	Name, Class string
	Count       int
}

type htmlGroup struct {
	Name, Class string
	Rows        []htmlRow
}

type htmlRow struct {
	Package, Version, Fixed, ID string
	Aliases                     []string
	Severity, Class             string
	Summary                     string
	RatingSource, RatingReason  string
	Vector                      string
	Match                       string
	Remedy, Action              string
	Layer                       string
	Locations                   []string
	Suppression                 string
	References                  []string
}

// writeHTML writes r as one self-contained HTML page: inline CSS, no
// script, no external resource (a Content-Security-Policy forbids loading
// any), references as plain links.
func writeHTML(w io.Writer, r *vuln.Report, opts Options) error {
	if err := htmlTemplate.Execute(w, htmlViewOf(r, opts)); err != nil {
		return fmt.Errorf("failed to write HTML report: %w", err)
	}
	return nil
}

func htmlViewOf(r *vuln.Report, opts Options) htmlView {
	s := summarize(r)
	v := htmlView{
		Image:         imageName(r),
		Digest:        cmp.Or(r.Source.ManifestDigest, r.Source.ConfigDigest),
		Tool:          strings.TrimSpace(toolName(r) + " " + r.Tool.Version),
		Generated:     opts.now().Format("2006-01-02 15:04:05 UTC"),
		DatabaseBuilt: r.Database.Built.UTC().Format("2006-01-02 15:04:05 UTC"),
		Summary:       s,
		Unscannable:   r.Unscannable,
	}
	if r.OS != nil {
		v.OS = cmp.Or(r.OS.PrettyName, strings.TrimSpace(r.OS.ID+" "+r.OS.VersionID))
	}
	v.Levels = htmlLevels(s.ByLevel)
	v.CheckLevels = htmlLevels(s.ChecksByLevel)
	for _, g := range checkGroups(r) {
		group := htmlCheckGroup{Title: g.Title}
		for _, f := range g.Findings {
			group.Rows = append(group.Rows, htmlCheckRowOf(f))
		}
		v.CheckGroups = append(v.CheckGroups, group)
	}
	if s.FromBase > 0 {
		v.BaseSentence = s.baseSentence()
	}
	active, suppressed := split(sorted(r))
	for _, g := range byLevel(active) {
		l := g[0].Severity.Level
		group := htmlGroup{Name: l.String(), Class: l.String()}
		for _, f := range g {
			group.Rows = append(group.Rows, htmlRowOf(r, f))
		}
		v.Groups = append(v.Groups, group)
	}
	for _, f := range suppressed {
		v.Suppressed = append(v.Suppressed, htmlRowOf(r, f))
	}
	for _, warn := range r.Warnings {
		v.Warnings = append(v.Warnings, warn.Message)
	}
	return v
}

func htmlRowOf(r *vuln.Report, f vuln.Finding) htmlRow {
	row := htmlRow{
		Package:      f.Package.Name,
		Version:      f.Package.Version,
		Fixed:        fixedText(f),
		ID:           f.ID,
		Aliases:      f.Aliases,
		Severity:     severityText(f.Severity),
		Class:        f.Severity.Level.String(),
		Summary:      cmp.Or(f.Summary, f.ID),
		RatingSource: f.Severity.Source,
		RatingReason: f.Severity.Reason,
		Vector:       f.Severity.Vector,
		Match:        fmt.Sprintf("%s %s: %s (%s)", f.Match.Ecosystem, f.Match.Name, f.Match.Range, f.Match.Event),
		Action:       f.Remediation.Action,
		Layer:        layerText(r, f),
		Locations:    f.Package.Locations,
		References:   httpRefs(f.References),
	}
	switch {
	case !f.Fixed():
		row.Remedy = "No fixed version is published."
	default:
		row.Remedy = "Fixed in " + strings.Join(f.FixedVersions, ", ") + "."
	}
	if f.Remediation.FromBase {
		row.Remedy += " From the base image: rebuild on a newer base."
	}
	if s := f.Suppression; s != nil {
		row.Suppression = suppressionDetail(s)
	}
	return row
}

func layerText(r *vuln.Report, f vuln.Finding) string {
	if f.Package.Layer < 0 || f.Package.Layer >= len(r.Layers) {
		return "unknown"
	}
	s := strconv.Itoa(f.Package.Layer)
	if f.Remediation.CreatedBy != "" {
		s += ": " + f.Remediation.CreatedBy
	}
	return s
}

// htmlLevels lists the non-zero counts per level, most severe first.
func htmlLevels(counts [severity.Critical + 1]int) []htmlLevel {
	var out []htmlLevel
	for l := severity.Critical; l >= severity.Unknown; l-- {
		if n := counts[l]; n > 0 {
			out = append(out, htmlLevel{Name: l.String(), Class: l.String(), Count: n})
		}
	}
	return out
}

func htmlCheckRowOf(f check.Finding) htmlCheckRow {
	row := htmlCheckRow{
		CheckID:     f.CheckID,
		Title:       f.Title,
		Severity:    f.Severity.String(),
		Class:       f.Severity.String(),
		Where:       where(f),
		Message:     f.Message,
		Description: f.Description,
		Remediation: f.Remediation,
		Snippet:     f.Evidence.Snippet,
	}
	if f.Evidence.Layer >= 0 {
		row.Layer = strconv.Itoa(f.Evidence.Layer)
		if f.Evidence.CreatedBy != "" {
			row.Layer += ": " + f.Evidence.CreatedBy
		}
	}
	for _, ref := range f.References {
		hr := htmlReference{Text: referenceText(ref)}
		if urls := httpRefs([]string{ref.URL}); len(urls) > 0 {
			hr.URL = urls[0]
		}
		row.References = append(row.References, hr)
	}
	return row
}
