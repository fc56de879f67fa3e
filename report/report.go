package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/vuln"
)

// Format names.
const (
	Table         = "table"
	JSON          = "json"
	SARIF         = "sarif"
	CycloneDXJSON = "cyclonedx-json"
	HTML          = "html"
)

// Formats returns the names of the formats Write writes.
func Formats() []string {
	return []string{Table, JSON, SARIF, CycloneDXJSON, HTML}
}

// UnknownFormatError reports a format name Write does not know.
type UnknownFormatError struct {
	Format string
}

func (e *UnknownFormatError) Error() string {
	return fmt.Sprintf("unknown report format %q (valid formats: %s)", e.Format, strings.Join(Formats(), ", "))
}

// Options controls writing. The zero value is ready to use.
type Options struct {
	// Color colours the table's severities with ANSI escape sequences;
	// set it only when writing to a terminal.
	Color bool
	// Now returns the time documents are stamped with (CycloneDX
	// metadata.timestamp, the HTML report's date); time.Now when nil.
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// Write writes r to w in the named format. It does not modify r.
func Write(w io.Writer, r *vuln.Report, format string, opts Options) error {
	if r == nil {
		return errors.New("report: nil report")
	}
	switch format {
	case Table:
		return writeTable(w, r, opts)
	case JSON:
		return writeJSON(w, r)
	case SARIF:
		return writeSARIF(w, r)
	case CycloneDXJSON:
		return writeCycloneDX(w, r, opts)
	case HTML:
		return writeHTML(w, r, opts)
	}
	return &UnknownFormatError{Format: format}
}

// sorted returns r's findings sorted as vuln.Report documents (most severe
// first, then package, then advisory id), whatever order r holds them in.
func sorted(r *vuln.Report) []vuln.Finding {
	fs := slices.Clone(r.Findings)
	slices.SortStableFunc(fs, func(a, b vuln.Finding) int {
		return cmp.Or(
			b.Severity.Level.Compare(a.Severity.Level),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return fs
}

// imageName is how reports name what was scanned.
func imageName(r *vuln.Report) string {
	return cmp.Or(r.Source.Name, r.Source.Ref, "unknown")
}
