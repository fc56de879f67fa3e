package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/vigil-dev/vigil/internal/termtext"

	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// Column widths of the table, in characters.
const (
	packageWidth = 48
	versionWidth = 32
	idWidth      = 56
	reasonWidth  = 80
	whereWidth   = 96
	messageWidth = 120
)

// ansi are the escape sequences that colour each level.
var ansi = map[severity.Level]string{
	severity.Critical:   "\x1b[1;31m",
	severity.High:       "\x1b[31m",
	severity.Medium:     "\x1b[33m",
	severity.Low:        "\x1b[34m",
	severity.Negligible: "\x1b[2m",
	severity.Unknown:    "\x1b[35m",
}

const ansiReset = "\x1b[0m"

// writeTable writes r for people to read: one group of vulnerabilities
// per severity, most severe first, then the suppressed findings, the
// unscannable packages, one section of check findings per domain, the
// warnings and a summary.
func writeTable(w io.Writer, r *vuln.Report, opts Options) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	t := tableWriter{w: tw, color: opts.Color}
	active, suppressed := split(sorted(r))
	for _, group := range byLevel(active) {
		t.group(group)
	}
	t.suppressed(suppressed)
	t.unscannable(r.Unscannable)
	for _, g := range checkGroups(r) {
		t.checks(g)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(tw, "warning: %s\n", termtext.Cell(warn.Message, reasonWidth*2))
	}
	s := summarize(r)
	for _, line := range s.lines() {
		fmt.Fprintln(tw, line)
	}
	if s.FromBase > 0 {
		fmt.Fprintln(tw, s.baseSentence())
	}
	return tw.Flush()
}

// tableWriter writes the sections of the table.
type tableWriter struct {
	w     io.Writer
	color bool
}

func (t tableWriter) level(l severity.Level, s string) string {
	if !t.color {
		return s
	}
	return ansi[l] + s + ansiReset
}

func (t tableWriter) group(fs []vuln.Finding) {
	l := fs[0].Severity.Level
	fmt.Fprintf(t.w, "%s (%d)\n", t.level(l, strings.ToUpper(l.String())), len(fs))
	fmt.Fprintln(t.w, "PACKAGE\tINSTALLED\tFIXED\tID\tSEVERITY")
	for _, f := range fs {
		fmt.Fprintf(t.w, "%s\t%s\t%s\t%s\t%s\n",
			termtext.Cell(f.Package.Name, packageWidth),
			termtext.Cell(f.Package.Version, versionWidth),
			termtext.Cell(fixedText(f), versionWidth),
			termtext.Cell(idText(f), idWidth),
			t.level(l, severityText(f.Severity)),
		)
	}
	fmt.Fprintln(t.w)
}

func (t tableWriter) suppressed(fs []vuln.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(t.w, "SUPPRESSED (%d)\n", len(fs))
	fmt.Fprintln(t.w, "PACKAGE\tINSTALLED\tID\tSEVERITY\tSTATUS\tSOURCE\tREASON")
	for _, f := range fs {
		s := f.Suppression
		fmt.Fprintf(t.w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			termtext.Cell(f.Package.Name, packageWidth),
			termtext.Cell(f.Package.Version, versionWidth),
			termtext.Cell(idText(f), idWidth),
			severityText(f.Severity),
			termtext.Cell(s.Kind+" "+s.Status, versionWidth),
			termtext.Cell(s.Source, packageWidth),
			termtext.Cell(suppressionReason(s), reasonWidth),
		)
	}
	fmt.Fprintln(t.w)
}

// checks writes the check findings of one domain, most severe first.
func (t tableWriter) checks(g checkGroup) {
	fmt.Fprintf(t.w, "%s (%d)\n", termtext.Cell(strings.ToUpper(g.Title), packageWidth), len(g.Findings))
	fmt.Fprintln(t.w, "CHECK\tSEVERITY\tWHERE\tMESSAGE")
	for _, f := range g.Findings {
		fmt.Fprintf(t.w, "%s\t%s\t%s\t%s\n",
			termtext.Cell(f.CheckID, versionWidth),
			t.level(f.Severity, f.Severity.String()),
			termtext.Cell(where(f), whereWidth),
			termtext.Cell(f.Message, messageWidth),
		)
	}
	fmt.Fprintln(t.w)
}

func (t tableWriter) unscannable(us []vuln.Unscannable) {
	if len(us) == 0 {
		return
	}
	fmt.Fprintf(t.w, "UNSCANNABLE (%d)\n", len(us))
	fmt.Fprintln(t.w, "PACKAGE\tVERSION\tTYPE\tREASON")
	for _, u := range us {
		fmt.Fprintf(t.w, "%s\t%s\t%s\t%s\n",
			termtext.Cell(u.Package.Name, packageWidth),
			termtext.Cell(u.Package.Version, versionWidth),
			termtext.Cell(u.Package.Type, versionWidth),
			termtext.Cell(u.Reason, reasonWidth),
		)
	}
	fmt.Fprintln(t.w)
}

// split separates the findings that count from the suppressed ones.
func split(fs []vuln.Finding) (active, suppressed []vuln.Finding) {
	for _, f := range fs {
		if f.Suppression != nil {
			suppressed = append(suppressed, f)
		} else {
			active = append(active, f)
		}
	}
	return active, suppressed
}

// byLevel groups sorted findings by severity level.
func byLevel(fs []vuln.Finding) [][]vuln.Finding {
	var groups [][]vuln.Finding
	for i, f := range fs {
		if i == 0 || f.Severity.Level != fs[i-1].Severity.Level {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], f)
	}
	return groups
}

func fixedText(f vuln.Finding) string {
	if !f.Fixed() {
		return "-"
	}
	return strings.Join(f.FixedVersions, ", ")
}

// idText is the advisory id, with its first CVE alias when the id is not
// a CVE itself.
func idText(f vuln.Finding) string {
	if strings.HasPrefix(f.ID, "CVE-") {
		return f.ID
	}
	for _, a := range f.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			return f.ID + " (" + a + ")"
		}
	}
	return f.ID
}

// severityText is the level, with the CVSS score when one decided it.
func severityText(r severity.Rating) string {
	if r.Score > 0 {
		return r.Level.String() + " " + strconv.FormatFloat(r.Score, 'f', 1, 64)
	}
	return r.Level.String()
}

func suppressionReason(s *vuln.Suppression) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{s.Justification, s.Reason} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if s.Expires != nil {
		parts = append(parts, "until "+s.Expires.Format("2006-01-02"))
	}
	return strings.Join(parts, "; ")
}
