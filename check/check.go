// Package check is the framework of vigil's best-practice, misconfiguration
// and secret checks: every check has a stable ID, a title, a default
// severity, a description, a remediation and references to the standards
// it implements (ISO/IEC 27002:2022 controls, the CIS Docker Benchmark,
// NIST SP 800-190, the Kubernetes Pod Security Standards); every finding
// carries evidence (file, line, layer and the layer's build instruction).
//
// The checks themselves live in one package per domain (check/hardening
// for the OS of an image, check/imageconfig for its configuration and
// history, check/dockerfile, check/kubernetes, check/secret); each exports
// its Definitions, and check/all lists them all for `vigil checks list`
// and docs/checks.md.
package check

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/severity"
)

// Domains of checks.
const (
	DomainOS         = "os"         // the image's operating system hardening
	DomainImage      = "image"      // the image configuration and build history
	DomainDockerfile = "dockerfile" // Dockerfiles
	DomainKubernetes = "kubernetes" // Kubernetes manifests
	DomainSecret     = "secret"     // secrets in files, layers, env and history
)

// Standards cited by References.
const (
	ISO27002   = "ISO/IEC 27002:2022"
	CISDocker  = "CIS Docker Benchmark v1.6.0"
	NIST800190 = "NIST SP 800-190"
	PSS        = "Kubernetes Pod Security Standards"
	CISK8s     = "CIS Kubernetes Benchmark v1.8.0"
)

// Reference points at the part of a standard a check implements.
type Reference struct {
	Standard string `json:"standard"`
	// Section is the control or section number ("8.5", "4.1", "4.1.3") or,
	// for the Pod Security Standards, the control name ("Privileged
	// Containers").
	Section string `json:"section"`
	Title   string `json:"title,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Definition describes a check.
type Definition struct {
	// ID is stable across releases: DOMAIN-NNN, e.g. "OS-001", "IMG-003",
	// "DF-010", "K8S-021", "SEC-004". IDs are never reused.
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Domain      string         `json:"domain"`
	Severity    severity.Level `json:"severity"`
	Description string         `json:"description"`
	Remediation string         `json:"remediation"`
	References  []Reference    `json:"references,omitempty"`
}

var idPattern = regexp.MustCompile(`^(OS|IMG|DF|K8S|SEC)-[0-9]{3}$`)

// Validate reports what is missing or malformed in d.
func (d *Definition) Validate() error {
	var problems []string
	if !idPattern.MatchString(d.ID) {
		problems = append(problems, fmt.Sprintf("id %q is not DOMAIN-NNN", d.ID))
	}
	if d.Title == "" || d.Description == "" || d.Remediation == "" {
		problems = append(problems, "title, description and remediation are required")
	}
	switch d.Domain {
	case DomainOS, DomainImage, DomainDockerfile, DomainKubernetes, DomainSecret:
	default:
		problems = append(problems, fmt.Sprintf("unknown domain %q", d.Domain))
	}
	if d.Severity == severity.Unknown {
		problems = append(problems, "severity is required")
	}
	if len(d.References) == 0 {
		problems = append(problems, "at least one reference is required")
	}
	if len(problems) > 0 {
		return fmt.Errorf("check %s: %s", d.ID, strings.Join(problems, "; "))
	}
	return nil
}

// Evidence is where a finding was seen.
type Evidence struct {
	// File is the path in the image (rooted, "/etc/shadow") or the file
	// given to the scan (a Dockerfile or manifest).
	File string `json:"file,omitempty"`
	// Line is 1-based, 0 when not applicable.
	Line int `json:"line,omitempty"`
	// Layer indexes the image's layers, -1 when not from an image layer.
	Layer int `json:"layer"`
	// CreatedBy is the build instruction of that layer.
	CreatedBy string `json:"createdBy,omitempty"`
	// Snippet is the offending text, secrets redacted.
	Snippet string `json:"snippet,omitempty"`
	// Object names a Kubernetes object ("Deployment/web container app") or
	// an image configuration field ("Config.User").
	Object string `json:"object,omitempty"`
}

// Finding is one check that failed at one place.
type Finding struct {
	CheckID string `json:"checkId"`
	Title   string `json:"title"`
	Domain  string `json:"domain"`
	// Severity is the check's, or the one the configuration gives it.
	Severity severity.Level `json:"severity"`
	// Message says what is wrong here, specifically.
	Message     string      `json:"message"`
	Description string      `json:"description"`
	Remediation string      `json:"remediation"`
	References  []Reference `json:"references,omitempty"`
	Evidence    Evidence    `json:"evidence"`
	// Fingerprint identifies the finding across scans (for allow-lists
	// and SARIF): a hash of the check, the place and the offending value,
	// never the secret itself.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// New returns a finding of check d.
func New(d *Definition, msg string, ev Evidence) Finding {
	return Finding{
		CheckID: d.ID, Title: d.Title, Domain: d.Domain, Severity: d.Severity,
		Message: msg, Description: d.Description, Remediation: d.Remediation,
		References: d.References, Evidence: ev,
	}
}

// Config adjusts checks: some disabled, some given another severity.
type Config struct {
	Disabled map[string]bool           `json:"disabled,omitempty"`
	Severity map[string]severity.Level `json:"severity,omitempty"`
}

// Apply drops the findings of disabled checks, applies severity overrides
// and sorts the rest (most severe first, then check, file, line).
func (c Config) Apply(findings []Finding) []Finding {
	out := make([]Finding, 0, len(findings))
	for _, f := range findings {
		if c.Disabled[f.CheckID] {
			continue
		}
		if l, ok := c.Severity[f.CheckID]; ok {
			f.Severity = l
		}
		out = append(out, f)
	}
	Sort(out)
	return out
}

// Sort orders findings: most severe first, then check id, file, line,
// object and message.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			b.Severity.Compare(a.Severity),
			cmp.Compare(a.CheckID, b.CheckID),
			cmp.Compare(a.Evidence.File, b.Evidence.File),
			cmp.Compare(a.Evidence.Line, b.Evidence.Line),
			cmp.Compare(a.Evidence.Object, b.Evidence.Object),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
