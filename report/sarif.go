package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// SARIFSchema is the $schema of the SARIF logs Write writes: the URL
// GitHub's code scanning documentation gives for SARIF 2.1.0.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// The SARIF structures below are the subset of SARIF 2.1.0 that vigil
// writes and GitHub code scanning reads. They are written here rather than
// taken from github.com/owenrumney/go-sarif: that module marshals every
// unset array as null, which the official schema rejects, and validates
// against a schema of its own; a dozen small structs keep the output
// valid, stable and easy to read.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	HelpURI              string            `json:"helpUri,omitempty"`
	Help                 sarifHelp         `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags      []string `json:"tags"`
	Precision string   `json:"precision"`
	// SecuritySeverity is GitHub's "security-severity": a score from 0.0
	// to 10.0, as a string, that GitHub maps to critical, high, medium or
	// low.
	SecuritySeverity string `json:"security-severity,omitempty"`
	// ProblemSeverity is "problem.severity": error, warning or
	// recommendation, which GitHub shows when a rule has no
	// security-severity.
	ProblemSeverity string `json:"problem.severity,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	Fingerprints        map[string]string  `json:"fingerprints"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
	Message          *sarifText     `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

// fingerprintKey names vigil's fingerprint in fingerprints and
// partialFingerprints.
const fingerprintKey = "vigilFinding/v1"

// writeSARIF writes r as a SARIF 2.1.0 log; see the package documentation.
func writeSARIF(w io.Writer, r *vuln.Report) error {
	fs := sorted(r)
	rules, index := sarifRules(fs)
	results := make([]sarifResult, 0, len(fs)+len(r.Checks))
	for _, f := range fs {
		results = append(results, sarifResultOf(r, f, index[f.ID]))
	}
	checks := slices.Clone(r.Checks)
	check.Sort(checks)
	for _, f := range checks {
		i, ok := index[f.CheckID]
		if !ok {
			// Sorted most severe first: the first finding of a check
			// rates its rule.
			i = len(rules)
			index[f.CheckID] = i
			rules = append(rules, checkRule(f))
		}
		results = append(results, checkResult(r, f, i))
	}
	log := sarifLog{
		Schema:  SARIFSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           toolName(r),
				Version:        r.Tool.Version,
				InformationURI: "https://github.com/vigil-dev/vigil",
				Rules:          rules,
			}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("failed to write SARIF: %w", err)
	}
	return nil
}

func toolName(r *vuln.Report) string {
	if r.Tool.Name == "" {
		return "vigil"
	}
	return r.Tool.Name
}

// sarifRules makes one rule per advisory, in the order the sorted findings
// first name them, rated by its most severe finding.
func sarifRules(fs []vuln.Finding) ([]sarifRule, map[string]int) {
	rules := []sarifRule{}
	index := map[string]int{}
	worst := map[string]severity.Rating{}
	for _, f := range fs {
		i, ok := index[f.ID]
		if !ok {
			i = len(rules)
			index[f.ID] = i
			rules = append(rules, sarifRuleOf(f))
			worst[f.ID] = f.Severity
			continue
		}
		if w := worst[f.ID]; f.Severity.Level > w.Level || (f.Severity.Level == w.Level && f.Severity.Score > w.Score) {
			worst[f.ID] = f.Severity
			rules[i].DefaultConfiguration.Level = sarifLevel(f.Severity.Level)
			rules[i].Properties = ruleProperties(f)
		}
	}
	return rules, index
}

func sarifRuleOf(f vuln.Finding) sarifRule {
	short := f.Summary
	if short == "" {
		short = f.ID
	}
	rule := sarifRule{
		ID:                   f.ID,
		Name:                 "Vulnerability",
		ShortDescription:     sarifText{Text: firstSentence(short)},
		FullDescription:      sarifText{Text: short},
		Help:                 sarifHelp{Text: helpText(f), Markdown: helpMarkdown(f)},
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(f.Severity.Level)},
		Properties:           ruleProperties(f),
	}
	if len(f.References) > 0 && isHTTP(f.References[0]) {
		rule.HelpURI = f.References[0]
	}
	return rule
}

func ruleProperties(f vuln.Finding) sarifRuleProperty {
	p := sarifRuleProperty{
		Tags:      []string{"security", "vulnerability", f.Severity.Level.String()},
		Precision: "very-high",
	}
	if f.Package.Type != "" {
		p.Tags = append(p.Tags, f.Package.Type)
	}
	if s, ok := securitySeverity(f.Severity); ok {
		p.SecuritySeverity = strconv.FormatFloat(s, 'f', 1, 64)
	}
	return p
}

// levelScores stand for a level in GitHub's security-severity when no CVSS
// score decided the rating (a distribution's word, a severity word): each
// lies inside the band GitHub maps to the same level.
var levelScores = map[severity.Level]float64{
	severity.Critical: 9.5,
	severity.High:     8.0,
	severity.Medium:   5.5,
	severity.Low:      2.0,
}

// securitySeverity is the CVSS base score when one decided the rating,
// else the level's representative score; none for unknown and negligible.
func securitySeverity(r severity.Rating) (float64, bool) {
	if r.Score > 0 {
		return r.Score, true
	}
	s, ok := levelScores[r.Level]
	return s, ok
}

// sarifLevel maps a severity to a SARIF result level.
func sarifLevel(l severity.Level) string {
	switch l {
	case severity.Critical, severity.High:
		return "error"
	case severity.Medium:
		return "warning"
	}
	return "note"
}

func sarifResultOf(r *vuln.Report, f vuln.Finding, ruleIndex int) sarifResult {
	fp := fingerprint(f)
	res := sarifResult{
		RuleID:              f.ID,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity.Level),
		Message:             sarifText{Text: resultMessage(r, f)},
		Locations:           []sarifLocation{sarifLocationOf(r, f)},
		Fingerprints:        map[string]string{fingerprintKey: fp},
		PartialFingerprints: map[string]string{fingerprintKey: fp},
	}
	if s := f.Suppression; s != nil {
		res.Suppressions = []sarifSuppression{{
			Kind:          "external",
			Status:        "accepted",
			Justification: strings.TrimSpace(s.Kind + " " + s.Status + " (" + s.Source + "): " + suppressionReason(s)),
		}}
	}
	return res
}

// sarifLocationOf points at the file the package was found in (relative to
// the scanned root, as GitHub wants repository-relative paths) and, for
// images, names the image and layer as a logical location.
func sarifLocationOf(r *vuln.Report, f vuln.Finding) sarifLocation {
	var loc sarifLocation
	if len(f.Package.Locations) > 0 {
		u := url.URL{Path: strings.TrimLeft(f.Package.Locations[0], "/")}
		loc.PhysicalLocation = &sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: u.String()},
			Region:           sarifRegion{StartLine: 1},
		}
	}
	if r.Source.Type != "dir" || loc.PhysicalLocation == nil {
		name := imageName(r)
		fq := name
		if d := cmp.Or(r.Source.ManifestDigest, r.Source.ConfigDigest); d != "" {
			fq += "@" + d
		}
		if f.Package.Layer >= 0 {
			fq += "/layer/" + strconv.Itoa(f.Package.Layer)
		}
		loc.LogicalLocations = []sarifLogical{{Name: name, FullyQualifiedName: fq, Kind: "resource"}}
	}
	loc.Message = &sarifText{Text: f.Package.Name + " " + f.Package.Version}
	return loc
}

// fingerprint identifies a finding across scans: the advisory, the package
// (by purl, else type, name and version) and the file it was found in.
func fingerprint(f vuln.Finding) string {
	pkg := f.Package.PURL
	if pkg == "" {
		pkg = f.Package.Type + "/" + f.Package.Name + "@" + f.Package.Version
	}
	loc := ""
	if len(f.Package.Locations) > 0 {
		loc = f.Package.Locations[0]
	}
	sum := sha256.Sum256([]byte(f.ID + "\x00" + pkg + "\x00" + loc))
	return hex.EncodeToString(sum[:16])
}

// resultMessage says what is affected, how badly, and what to do.
func resultMessage(r *vuln.Report, f vuln.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s is affected by %s (severity %s).", f.Package.Name, f.Package.Version, idText(f), severityText(f.Severity))
	if f.Summary != "" {
		b.WriteString(" " + sentence(firstSentence(f.Summary)))
	}
	b.WriteString(" " + remedy(f))
	if f.Package.Layer >= 0 && f.Package.Layer < len(r.Layers) {
		fmt.Fprintf(&b, " Installed by layer %d", f.Package.Layer)
		if f.Remediation.CreatedBy != "" {
			fmt.Fprintf(&b, " (%s)", f.Remediation.CreatedBy)
		}
		b.WriteString(".")
	}
	return b.String()
}

// remedy is the fix in one sentence.
func remedy(f vuln.Finding) string {
	var s string
	switch {
	case !f.Fixed():
		s = "No fixed version is published."
	case f.Remediation.Action != "":
		s = fmt.Sprintf("Fixed in %s: %s.", strings.Join(f.FixedVersions, ", "), f.Remediation.Action)
	default:
		s = fmt.Sprintf("Fixed in %s.", strings.Join(f.FixedVersions, ", "))
	}
	if f.Remediation.FromBase {
		s += " The package comes from the base image: rebuild on a newer base."
	}
	return s
}

func helpText(f vuln.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", cmp.Or(f.Summary, f.ID))
	if len(f.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: %s\n", strings.Join(f.Aliases, ", "))
	}
	fmt.Fprintf(&b, "Severity: %s, from %s (%s)\n", severityText(f.Severity), f.Severity.Source, f.Severity.Reason)
	fmt.Fprintf(&b, "Affected: %s %s (%s; matched by %s)\n", f.Match.Ecosystem, f.Match.Name, f.Match.Range, f.Match.Event)
	fmt.Fprintf(&b, "Remediation: %s\n", remedy(f))
	for _, ref := range f.References {
		fmt.Fprintf(&b, "Reference: %s\n", ref)
	}
	return b.String()
}

func helpMarkdown(f vuln.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n%s\n\n", markdownEscape(f.ID), markdownEscape(cmp.Or(f.Summary, f.ID)))
	b.WriteString("| | |\n| --- | --- |\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, markdownEscape(v)) }
	if len(f.Aliases) > 0 {
		row("Aliases", strings.Join(f.Aliases, ", "))
	}
	row("Severity", severityText(f.Severity)+", from "+f.Severity.Source)
	row("Why this rating", f.Severity.Reason)
	row("Affected", f.Match.Ecosystem+" "+f.Match.Name+" ("+f.Match.Range+")")
	row("Remediation", remedy(f))
	if refs := httpRefs(f.References); len(refs) > 0 {
		b.WriteString("\nReferences:\n\n")
		for _, ref := range refs {
			fmt.Fprintf(&b, "- <%s>\n", ref)
		}
	}
	return b.String()
}

// markdownEscape escapes the characters that Markdown or HTML would read
// as markup, so that advisory text shows as written.
func markdownEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~", r) {
			b.WriteByte('\\')
		}
		if r == '\n' || r == '\r' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// httpRefs keeps the references that are http(s) URLs without spaces or
// angle brackets, which Markdown autolinks can hold.
func httpRefs(refs []string) []string {
	var out []string
	for _, ref := range refs {
		if isHTTP(ref) && !strings.ContainsAny(ref, " <>\n") {
			out = append(out, ref)
		}
	}
	return out
}

func isHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// sentence ends s with a full stop if it has no final punctuation.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// firstSentence is s up to the end of its first sentence or line.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}
