package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/vigil-dev/vigil/vuln"
)

// writeJSON writes the versioned JSON form of r: vuln.Report's fields in
// their declared order, indented by two spaces, with schemaVersion set
// and findings written as [] rather than null when there are none.
func writeJSON(w io.Writer, r *vuln.Report) error {
	out := *r
	if out.SchemaVersion == "" {
		out.SchemaVersion = vuln.SchemaVersion
	}
	if out.Findings == nil {
		out.Findings = []vuln.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("failed to write JSON report: %w", err)
	}
	return nil
}
