package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/testenv"
)

type checksJSON struct {
	Checks []struct {
		CheckID  string `json:"checkId"`
		Severity string `json:"severity"`
		Evidence struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"evidence"`
	} `json:"checks"`
}

func checkIDs(t *testing.T, out string) (ids []string, r checksJSON) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range r.Checks {
		if !slices.Contains(ids, c.CheckID) {
			ids = append(ids, c.CheckID)
		}
	}
	slices.Sort(ids)
	return ids, r
}

// TestScanConfig: the Dockerfiles with a known problem each (the checks'
// own testdata) give every DF check with file and line; the clean ones
// give nothing; a check configuration disables one and re-rates another;
// --fail-on gates on check findings.
func TestScanConfig(t *testing.T) {
	code, out, errs := run(t, "scan", "config", "../../check/dockerfile/testdata/bad", "--format", "json")
	if code != ExitOK {
		t.Fatalf("code %d: %s", code, errs)
	}
	ids, r := checkIDs(t, out)
	if len(ids) < 12 || ids[0] != "DF-001" {
		t.Errorf("checks %q, want DF-001..DF-012", ids)
	}
	for _, c := range r.Checks {
		if !strings.HasSuffix(c.Evidence.File, ".Dockerfile") || c.Evidence.Line == 0 && c.CheckID != "DF-009" && c.CheckID != "DF-003" {
			t.Errorf("%s: evidence %+v", c.CheckID, c.Evidence)
		}
	}
	if code, out, errs := run(t, "scan", "config", "../../check/dockerfile/testdata/good", "--format", "json"); code != ExitOK || strings.Contains(out, "checkId") {
		t.Errorf("clean Dockerfiles: code %d, %s\n%s", code, out, errs)
	}

	cfg := filepath.Join(t.TempDir(), "checks.yaml")
	if err := os.WriteFile(cfg, []byte("disable: [DF-002]\nseverity:\n  DF-009: critical\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = run(t, "scan", "config", "../../check/dockerfile/testdata/bad", "--format", "json", "--check-config", cfg)
	ids, r = checkIDs(t, out)
	if slices.Contains(ids, "DF-002") || !slices.Contains(ids, "DF-009") {
		t.Errorf("with the configuration: %q", ids)
	}
	for _, c := range r.Checks {
		if c.CheckID == "DF-009" && c.Severity != "critical" {
			t.Errorf("DF-009 rated %s, want critical", c.Severity)
		}
	}
	if code, _, errs := run(t, "scan", "config", "../../check/dockerfile/testdata/bad", "--fail-on", "high", "-o", os.DevNull); code != ExitFindings {
		t.Errorf("--fail-on high: code %d, %s", code, errs)
	}
	if err := os.WriteFile(cfg, []byte("disable: [DF-999]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, "scan", "config", "../../check/dockerfile/testdata/bad", "--check-config", cfg); code != ExitError || !strings.Contains(errs, `unknown check "DF-999"`) {
		t.Errorf("unknown check id: code %d, %s", code, errs)
	}
}

// TestChecksList: the list holds every documented check; markdown is
// docs/checks.md.
func TestChecksList(t *testing.T) {
	code, out, _ := run(t, "checks", "list", "--domain", "dockerfile")
	if code != ExitOK || !strings.Contains(out, "DF-012") || strings.Contains(out, "IMG-001") {
		t.Errorf("code %d\n%s", code, out)
	}
	_, out, _ = run(t, "checks", "list", "--format", "markdown")
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil || out != string(doc) {
		t.Errorf("markdown differs from docs/checks.md (%v)", err)
	}
}

// TestScanImageChecks: the lang image (no USER, no HEALTHCHECK) gives the
// image configuration findings with --scanners config, without needing a
// vulnerability database.
func TestScanImageChecks(t *testing.T) {
	src := "docker-archive:" + testenv.Get(t, "VIGIL_TEST_LANG_ARCHIVE")
	code, out, errs := run(t, "scan", "image", src, "--scanners", "config", "--format", "json", "-q")
	if code != ExitOK {
		t.Fatalf("code %d: %s", code, errs)
	}
	if ids, _ := checkIDs(t, out); !slices.Contains(ids, "IMG-001") || !slices.Contains(ids, "IMG-002") {
		t.Errorf("checks %q, want IMG-001 and IMG-002", ids)
	}
	if code, _, errs := run(t, "scan", "image", src, "--scanners", "vuln,magic"); code != ExitUsage || !strings.Contains(errs, `unknown scanner "magic"`) {
		t.Errorf("bad scanner: code %d, %s", code, errs)
	}
}
