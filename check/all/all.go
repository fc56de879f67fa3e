// Package all lists every check vigil has, for `vigil checks list` and for
// docs/checks.md, which is generated from the same definitions
// (go test ./check/all -update rewrites it); reads check configurations;
// and runs the checks: on an image while it is scanned (Image) and on
// Dockerfiles and manifests (CheckPath).
package all

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/check/dockerfile"
	"github.com/vigil-dev/vigil/check/hardening"
	"github.com/vigil-dev/vigil/check/imageconfig"
	"github.com/vigil-dev/vigil/check/kubernetes"
	"github.com/vigil-dev/vigil/check/secret"
	"github.com/vigil-dev/vigil/severity"
)

// Definitions returns every check, sorted by ID.
func Definitions() []check.Definition {
	var defs []check.Definition
	for _, domain := range [][]check.Definition{
		hardening.Definitions(), dockerfile.Definitions, imageconfig.Definitions, kubernetes.Definitions, secret.Definitions,
	} {
		defs = append(defs, domain...)
	}
	slices.SortFunc(defs, func(a, b check.Definition) int { return strings.Compare(a.ID, b.ID) })
	return defs
}

// Lookup returns the check with the given ID.
func Lookup(id string) (check.Definition, bool) {
	for _, d := range Definitions() {
		if d.ID == id {
			return d, true
		}
	}
	return check.Definition{}, false
}

var domainTitles = []struct{ domain, title string }{
	{check.DomainOS, "Operating system hardening (in the image)"},
	{check.DomainImage, "Image configuration and build history"},
	{check.DomainSecret, "Secrets"},
	{check.DomainDockerfile, "Dockerfiles"},
	{check.DomainKubernetes, "Kubernetes manifests"},
}

// Markdown writes the reference of all checks.
func Markdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# vigil checks\n\n")
	b.WriteString("Generated from the check definitions (`go test ./check/all -update`); do not edit.\n")
	b.WriteString("List them with `vigil checks list`; disable a check or change its severity with a check\n")
	b.WriteString("configuration (see README.md).\n")
	defs := Definitions()
	for _, dt := range domainTitles {
		var in []check.Definition
		for _, d := range defs {
			if d.Domain == dt.domain {
				in = append(in, d)
			}
		}
		if len(in) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n\n| ID | Severity | Title |\n|---|---|---|\n", dt.title)
		for _, d := range in {
			fmt.Fprintf(&b, "| [%s](#%s) | %s | %s |\n", d.ID, strings.ToLower(d.ID), d.Severity, escape(d.Title))
		}
		for _, d := range in {
			fmt.Fprintf(&b, "\n### %s\n\n**%s** (%s)\n\n%s\n\n**Remediation:** %s\n", d.ID, escape(d.Title), d.Severity, d.Description, d.Remediation)
			if len(d.References) > 0 {
				b.WriteString("\n**References:**\n")
				for _, r := range d.References {
					line := r.Standard + " " + r.Section
					if r.Title != "" {
						line += ", " + r.Title
					}
					if r.URL != "" {
						line = "[" + line + "](" + r.URL + ")"
					}
					fmt.Fprintf(&b, "- %s\n", line)
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// ConfigFile is the file format of a check configuration (YAML or JSON):
//
//	disable: [DF-002, IMG-002]      # checks not run
//	severity:                       # checks given another severity
//	  DF-009: medium
type ConfigFile struct {
	Disable  []string          `yaml:"disable" json:"disable"`
	Severity map[string]string `yaml:"severity" json:"severity"`
}

// MaxConfigSize bounds a check configuration file.
const MaxConfigSize = 1 << 20

// LoadConfig reads a check configuration file; unknown check IDs and
// severities are errors, so that a typo does not silently keep a check on.
func LoadConfig(path string) (check.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return check.Config{}, err
	}
	if len(data) > MaxConfigSize {
		return check.Config{}, fmt.Errorf("%s: over %d bytes", path, MaxConfigSize)
	}
	var f ConfigFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return check.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	cfg := check.Config{Disabled: map[string]bool{}, Severity: map[string]severity.Level{}}
	for _, id := range f.Disable {
		if _, ok := Lookup(id); !ok {
			return check.Config{}, fmt.Errorf("%s: unknown check %q (see vigil checks list)", path, id)
		}
		cfg.Disabled[id] = true
	}
	for id, word := range f.Severity {
		if _, ok := Lookup(id); !ok {
			return check.Config{}, fmt.Errorf("%s: unknown check %q (see vigil checks list)", path, id)
		}
		l, err := severity.Parse(word)
		if err != nil {
			return check.Config{}, fmt.Errorf("%s: check %s: %w", path, id, err)
		}
		cfg.Severity[id] = l
	}
	return cfg, nil
}
