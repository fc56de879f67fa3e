package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// checkRule is the SARIF rule of a check, rated by f.
func checkRule(f check.Finding) sarifRule {
	rule := sarifRule{
		ID:                   f.CheckID,
		Name:                 ruleName(f.Title, f.CheckID),
		ShortDescription:     sarifText{Text: f.Title},
		FullDescription:      sarifText{Text: f.Description},
		Help:                 sarifHelp{Text: checkHelpText(f), Markdown: checkHelpMarkdown(f)},
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(f.Severity)},
		Properties: sarifRuleProperty{
			Tags:            []string{"security", f.Domain},
			Precision:       "high",
			ProblemSeverity: problemSeverity(f.Severity),
		},
	}
	if s, ok := levelScores[f.Severity]; ok {
		rule.Properties.SecuritySeverity = strconv.FormatFloat(s, 'f', 1, 64)
	}
	for _, ref := range f.References {
		if isHTTP(ref.URL) {
			rule.HelpURI = ref.URL
			break
		}
	}
	return rule
}

// ruleName is a title in PascalCase ("Final stage runs as root":
// "FinalStageRunsAsRoot"), as SARIF wants rule names to be identifiers;
// the id when the title has no letter or digit.
func ruleName(title, id string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		first := []rune(w)
		b.WriteRune(unicode.ToUpper(first[0]))
		b.WriteString(string(first[1:]))
	}
	if b.Len() == 0 {
		return id
	}
	return b.String()
}

// problemSeverity maps a level to GitHub's problem.severity.
func problemSeverity(l severity.Level) string {
	switch l {
	case severity.Critical, severity.High:
		return "error"
	case severity.Medium:
		return "warning"
	}
	return "recommendation"
}

func checkHelpText(f check.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\nRemediation: %s\n", f.Title, f.Description, f.Remediation)
	for _, ref := range f.References {
		fmt.Fprintf(&b, "Reference: %s", referenceText(ref))
		if ref.URL != "" {
			fmt.Fprintf(&b, " %s", ref.URL)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func checkHelpMarkdown(f check.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n%s\n\n**Remediation:** %s\n", markdownEscape(f.Title), markdownEscape(f.Description), markdownEscape(f.Remediation))
	if len(f.References) > 0 {
		b.WriteString("\nReferences:\n\n")
		for _, ref := range f.References {
			fmt.Fprintf(&b, "- %s", markdownEscape(referenceText(ref)))
			if urls := httpRefs([]string{ref.URL}); len(urls) > 0 {
				fmt.Fprintf(&b, ": <%s>", urls[0])
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// checkResult is the SARIF result of a check finding.
func checkResult(r *vuln.Report, f check.Finding, ruleIndex int) sarifResult {
	fp := f.Fingerprint
	if fp == "" {
		fp = checkFingerprint(f)
	}
	return sarifResult{
		RuleID:              f.CheckID,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: checkMessage(f)},
		Locations:           []sarifLocation{checkLocation(r, f)},
		Fingerprints:        map[string]string{fingerprintKey: fp},
		PartialFingerprints: map[string]string{fingerprintKey: fp},
	}
}

// checkFingerprint identifies a check finding that has no fingerprint of
// its own: a hash of the check, the file, the line, the object and the
// message.
func checkFingerprint(f check.Finding) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{f.CheckID, f.Evidence.File, strconv.Itoa(f.Evidence.Line), f.Evidence.Object, f.Message}, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// checkMessage is the finding's message, with the object and the layer
// (and its build instruction, which the checks redact) when known.
func checkMessage(f check.Finding) string {
	var b strings.Builder
	b.WriteString(sentence(f.Message))
	if f.Evidence.Object != "" {
		fmt.Fprintf(&b, " In %s.", f.Evidence.Object)
	}
	if f.Evidence.Layer >= 0 {
		fmt.Fprintf(&b, " Layer %d", f.Evidence.Layer)
		if f.Evidence.CreatedBy != "" {
			fmt.Fprintf(&b, " (%s)", f.Evidence.CreatedBy)
		}
		b.WriteString(".")
	}
	return b.String()
}

// checkLocation points at the finding's file and line (line 1 when the
// finding is about the whole file; GitHub requires a region). A file in
// the scanned image or root is given relative to that root, as for
// packages; a Dockerfile or manifest as the user named it, relative, or
// as a file: URI when the name was absolute. A finding without a file (an
// image configuration field, a history step) points at the image by
// name. Findings in an image also name the image, its digest and the
// layer as a logical location; an object (a Kubernetes object, a
// configuration field) is a logical location too.
func checkLocation(r *vuln.Report, f check.Finding) sarifLocation {
	ev := f.Evidence
	var uri string
	switch {
	case ev.File == "":
		uri = (&url.URL{Path: strings.TrimLeft(imageName(r), "/")}).String()
	case inScannedTree(f):
		uri = (&url.URL{Path: strings.TrimLeft(ev.File, "/")}).String()
	default:
		uri = fileURI(ev.File)
	}
	loc := sarifLocation{
		PhysicalLocation: &sarifPhysical{
			ArtifactLocation: sarifArtifact{URI: uri},
			Region:           sarifRegion{StartLine: max(ev.Line, 1)},
		},
		Message: &sarifText{Text: where(f)},
	}
	base := ev.File
	if inScannedTree(f) && r.Source.Type != "dir" && r.Source.Type != "config" {
		name := imageName(r)
		fq := name
		if d := r.Source.ManifestDigest; d != "" {
			fq += "@" + d
		} else if d := r.Source.ConfigDigest; d != "" {
			fq += "@" + d
		}
		base = fq
		if ev.Layer >= 0 {
			fq += "/layer/" + strconv.Itoa(ev.Layer)
		}
		loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: name, FullyQualifiedName: fq, Kind: "resource"})
	}
	if ev.Object != "" {
		loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{Name: ev.Object, FullyQualifiedName: strings.TrimPrefix(base+"/"+ev.Object, "/"), Kind: "resource"})
	}
	return loc
}

// fileURI is the URI of a file named on the command line: a relative
// reference for a relative name (cleaned: "./Dockerfile" is
// "Dockerfile"), a file: URI for an absolute one.
func fileURI(name string) string {
	p := filepath.ToSlash(name)
	if !filepath.IsAbs(name) && !path.IsAbs(p) {
		return (&url.URL{Path: path.Clean(p)}).String()
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows volume: file:///C:/...
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
