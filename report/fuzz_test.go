package report_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/report"
)

func addFiles(f *testing.F, files ...string) {
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseIgnore: ParseIgnore never panics, and every rule it returns has
// an id or a check id (not both) and a reason, as the format requires.
func FuzzParseIgnore(f *testing.F) {
	addFiles(f, "testdata/ignore.yaml", "testdata/ignore.json")
	f.Add([]byte("a: &a [x]\nignore: *a\n"))
	f.Add([]byte("ignore:\n  - {id: CVE-1, reason: r, expires: 2026-01-01T00:00:00+02:00, package: 'pkg:npm/a'}\n"))
	f.Add([]byte("ignore:\n  - {check: k8s-021, reason: r, path: ./deploy/}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := report.ParseIgnore(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for _, r := range rules {
			if r.Kind != report.KindIgnore || (strings.TrimSpace(r.ID) == "") == (r.CheckID == "") || strings.TrimSpace(r.Reason) == "" {
				t.Fatalf("rule without one id or without a reason: %+v", r)
			}
			if r.Path != "" && (r.CheckID == "" || !report.MatchPath(r.Path, r.Path) && !strings.ContainsAny(r.Path, "*?[\\")) {
				t.Fatalf("path %q on a rule that is not a check's, or that does not match itself: %+v", r.Path, r)
			}
		}
	})
}

// FuzzParseVEX: ParseVEX never panics, and every rule it returns is a VEX
// rule naming a vulnerability with a known status.
func FuzzParseVEX(f *testing.F) {
	addFiles(f, "testdata/openvex.json", "testdata/cyclonedx.vex.json")
	f.Add([]byte(`{"@context": "https://openvex.dev/ns", "statements": [{"vulnerability": "CVE-1", "products": ["pkg:npm/a"], "status": "fixed"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := report.ParseVEX(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for _, r := range rules {
			if r.Kind != report.KindVEX || r.ID == "" || r.Status == "" {
				t.Fatalf("incomplete rule: %+v", r)
			}
		}
	})
}
