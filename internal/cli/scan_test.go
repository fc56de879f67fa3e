package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type scanJSON struct {
	SchemaVersion string `json:"schemaVersion"`
	Findings      []struct {
		ID      string `json:"id"`
		Package struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"package"`
		Severity struct {
			Level string `json:"level"`
		} `json:"severity"`
		FixedVersions []string `json:"fixedVersions"`
		Remediation   struct {
			Action string `json:"action"`
		} `json:"remediation"`
		Suppression *struct {
			Kind, Reason string
		} `json:"suppression"`
	} `json:"findings"`
}

func findings(t *testing.T, out string) (keys []string, r scanJSON) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, f := range r.Findings {
		keys = append(keys, f.ID+" "+f.Package.Name+" "+f.Package.Version)
	}
	slices.Sort(keys)
	return keys, r
}

// TestScan scans real Python package metadata (Debian's dist-packages and
// a pip install, catalog/python/testdata) against real PyPI advisories
// (match/testdata/osv) as a directory and through an SBOM, and exercises
// the gate, the severity filter and an ignore file.
func TestScan(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	root := "../../catalog/python/testdata/root"
	if code, _, errs := run(t, "db", "import", "--db", db, "../../match/testdata/osv"); code != ExitOK {
		t.Fatalf("db import: %s", errs)
	}

	code, out, errs := run(t, "scan", "fs", root, "--db", db, "--format", "json")
	if code != ExitOK {
		t.Fatalf("scan fs: code %d\n%s", code, errs)
	}
	fsKeys, rep := findings(t, out)
	if rep.SchemaVersion != "1" || !slices.Contains(fsKeys, "PYSEC-2023-74 requests 2.28.1") {
		t.Fatalf("scan fs findings: %q", fsKeys)
	}
	for _, f := range rep.Findings {
		if len(f.FixedVersions) > 0 && !strings.HasPrefix(f.Remediation.Action, "pip install") {
			t.Errorf("%s %s: remediation %q", f.ID, f.Package.Name, f.Remediation.Action)
		}
	}

	// The same through an SBOM: vigil's CycloneDX of the directory.
	sbomFile := filepath.Join(dir, "sbom.cdx.json")
	if code, _, errs := run(t, "sbom", "dir:"+root, "--format", "cyclonedx-json", "-o", sbomFile); code != ExitOK {
		t.Fatalf("sbom: %s", errs)
	}
	_, out, errs = run(t, "scan", "sbom", sbomFile, "--db", db, "--format", "json")
	if sbomKeys, _ := findings(t, out); !slices.Equal(sbomKeys, fsKeys) {
		t.Errorf("scan sbom:\n%q\nwant the directory's\n%q\n%s", sbomKeys, fsKeys, errs)
	}

	// The gate: high findings exist, so --fail-on high fails with the
	// default exit code, or the one given; --severity critical shows none.
	if code, _, errs := run(t, "scan", "fs", root, "--db", db, "--fail-on", "high", "-q", "-o", filepath.Join(dir, "r.txt")); code != ExitFindings || !strings.Contains(errs, "rated high or more severe") {
		t.Errorf("--fail-on high: code %d, %s", code, errs)
	}
	if code, _, _ := run(t, "scan", "fs", root, "--db", db, "--fail-on", "high", "--exit-code", "9", "-q", "-o", os.DevNull); code != 9 {
		t.Errorf("--exit-code 9: code %d", code)
	}
	_, out, _ = run(t, "scan", "fs", root, "--db", db, "--severity", "critical", "--format", "json")
	if keys, _ := findings(t, out); len(keys) != 0 {
		t.Errorf("--severity critical: %q", keys)
	}

	// An ignore file with a reason suppresses the high ones; the gate
	// passes and the findings stay in the report, marked.
	var ignore strings.Builder
	ignore.WriteString("ignore:\n")
	for _, f := range rep.Findings {
		if f.Severity.Level == "high" {
			ignore.WriteString("  - id: " + f.ID + "\n    reason: not reachable in this deployment\n")
		}
	}
	ignoreFile := filepath.Join(dir, "ignore.yaml")
	if err := os.WriteFile(ignoreFile, []byte(ignore.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "scan", "fs", root, "--db", db, "--fail-on", "high", "--ignore-file", ignoreFile, "--format", "json")
	if code != ExitOK {
		t.Fatalf("with the ignore file: code %d\n%s\n%s", code, errs, ignore.String())
	}
	_, rep2 := findings(t, out)
	suppressed := 0
	for _, f := range rep2.Findings {
		if f.Suppression != nil {
			suppressed++
			if f.Severity.Level != "high" || f.Suppression.Reason != "not reachable in this deployment" {
				t.Errorf("%s suppressed: %+v", f.ID, f.Suppression)
			}
		}
	}
	if suppressed == 0 || len(rep2.Findings) != len(rep.Findings) {
		t.Errorf("%d suppressed of %d findings (before: %d)", suppressed, len(rep2.Findings), len(rep.Findings))
	}

	// Every format writes; bad usage is reported as such.
	for _, format := range []string{"table", "sarif", "cyclonedx-json", "html"} {
		if code, out, errs := run(t, "scan", "fs", root, "--db", db, "--format", format, "-q"); code != ExitOK || len(out) < 200 {
			t.Errorf("--format %s: code %d, %d bytes\n%s", format, code, len(out), errs)
		}
	}
	if code, _, errs := run(t, "scan", "fs", root, "--db", db, "--fail-on", "severe"); code != ExitUsage || !strings.Contains(errs, "--fail-on") {
		t.Errorf("--fail-on severe: code %d, %s", code, errs)
	}
	if code, _, errs := run(t, "scan", "fs", root, "--db", filepath.Join(dir, "none.db")); code != ExitError || !strings.Contains(errs, "vigil db update") {
		t.Errorf("no database: code %d, %s", code, errs)
	}
}
