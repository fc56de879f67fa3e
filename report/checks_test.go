package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/report"
	"github.com/vigil-dev/vigil/report/internal/reporttest"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

// levelCounts counts check findings per level, as the summaries print
// them: "4 critical, 26 high".
func levelCounts(fs []check.Finding) string {
	var parts []string
	for l := severity.Critical; l >= severity.Unknown; l-- {
		n := 0
		for _, f := range fs {
			if f.Severity == l {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, l))
		}
	}
	return strings.Join(parts, ", ")
}

func countDomain(fs []check.Finding, domain string) int {
	n := 0
	for _, f := range fs {
		if f.Domain == domain {
			n++
		}
	}
	return n
}

func TestTableImageChecks(t *testing.T) {
	r := scanned(t)
	out := string(write(t, r, report.Table, report.Options{}))
	order := []string{"CRITICAL (1)", "SUPPRESSED (3)", "UNSCANNABLE (1)", "IMAGE CONFIGURATION (7)", "warning: ", "4 findings: ", "7 check findings: 5 high, 2 medium\n"}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < last || i < 0 {
			t.Fatalf("%q missing or out of order in:\n%s", s, out)
		}
		last = i
	}
	for _, want := range []string{
		"CHECK    SEVERITY  WHERE",
		"IMG-001  high      config.User ",
		"IMG-006  medium    history[8] (layer 3)  ",
		"AWS_SECRET_ACCESS_KEY holds a secret",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// IMG-002 is waived by testdata/ignore.yaml; the secrets never show.
	for _, bad := range []string{"IMG-002", "wJalrXUtnFEMI", "ghp_abc", "hunter2"} {
		if strings.Contains(out, bad) {
			t.Errorf("table shows %q", bad)
		}
	}
	colored := string(write(t, r, report.Table, report.Options{Color: true}))
	if !strings.Contains(colored, "IMG-001  \x1b[31mhigh\x1b[0m") {
		t.Errorf("coloured table lacks a red high check:\n%q", colored)
	}
}

func TestTableConfigOnly(t *testing.T) {
	r := configScanned(t)
	out := string(write(t, r, report.Table, report.Options{}))
	// No vulnerability scan: nothing about vulnerabilities.
	for _, noise := range []string{"vulnerabilit", "unscannable", "base layers", "suppressed"} {
		if strings.Contains(strings.ToLower(out), noise) {
			t.Errorf("a report of checks alone says %q:\n%s", noise, out)
		}
	}
	if m := regexp.MustCompile(`(?m)^\d+ findings?:`).FindString(out); m != "" {
		t.Errorf("a report of checks alone counts findings: %q", m)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if want := fmt.Sprintf("%d check findings: %s", len(r.Checks), levelCounts(r.Checks)); lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
	for _, want := range []string{
		fmt.Sprintf("DOCKERFILE (%d)\nCHECK", countDomain(r.Checks, check.DomainDockerfile)),
		fmt.Sprintf("KUBERNETES (%d)\nCHECK", countDomain(r.Checks, check.DomainKubernetes)),
		"DF-008  high      check/dockerfile/testdata/bad/df008-secrets.Dockerfile:7 ",
		"check/kubernetes/testdata/rules/finding-runtime-socket.yaml:37 DaemonSet/rules/agent",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "DOCKERFILE (") > strings.Index(out, "KUBERNETES (") {
		t.Error("Dockerfile section after the Kubernetes one")
	}
	r.Checks = nil
	r.Warnings = nil
	if out := string(write(t, r, report.Table, report.Options{})); out != "No check findings\n" {
		t.Errorf("clean config report: %q", out)
	}
}

// TestTableHostileCheck: a check message from a hostile file cannot drive
// the terminal.
func TestTableHostileCheck(t *testing.T) {
	r := reporttest.ConfigReport(t)
	r.Checks[0].Message = "evil\x1b[2J\u202emessage"
	r.Checks[0].Evidence.Object = "obj\x07"
	out := string(write(t, r, report.Table, report.Options{}))
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
	if !strings.Contains(out, "evil?[2J?message") || !strings.Contains(out, " obj? ") {
		t.Errorf("hostile values not shown sanitized:\n%s", out)
	}
}

// sarifLog is the part of a SARIF log the check tests read.
type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID               string
					Name             string
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					Default          struct{ Level string } `json:"defaultConfiguration"`
					Properties       struct {
						Tags             []string
						SecuritySeverity string `json:"security-severity"`
						ProblemSeverity  string `json:"problem.severity"`
					}
				}
			}
		}
		Results []struct {
			RuleID    string
			RuleIndex int
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           struct{ StartLine int }
				}
				LogicalLocations []struct{ Name, FullyQualifiedName string }
			}
			PartialFingerprints map[string]string
		}
	}
}

func readSARIF(t *testing.T, data []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	return log
}

func TestSARIFConfigChecks(t *testing.T) {
	r := configScanned(t)
	data := write(t, r, report.SARIF, report.Options{})
	reporttest.Validate(t, reporttest.SARIF210, data)
	run := readSARIF(t, data).Runs[0]
	if len(run.Results) != len(r.Checks) {
		t.Fatalf("%d results, want one per check finding (%d)", len(run.Results), len(r.Checks))
	}
	checks := slices.Clone(r.Checks)
	check.Sort(checks)
	fingerprints := map[string]bool{}
	for i, res := range run.Results {
		f := checks[i]
		rule := run.Tool.Driver.Rules[res.RuleIndex]
		if res.RuleID != f.CheckID || rule.ID != f.CheckID {
			t.Fatalf("result %d: rule %s (index to %s), want %s", i, res.RuleID, rule.ID, f.CheckID)
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != f.Evidence.File || loc.Region.StartLine != f.Evidence.Line {
			t.Errorf("%s: location %s:%d, want %s:%d", f.CheckID, loc.ArtifactLocation.URI, loc.Region.StartLine, f.Evidence.File, f.Evidence.Line)
		}
		if !strings.HasPrefix(res.Message.Text, f.Message) {
			t.Errorf("%s: message %q does not start with %q", f.CheckID, res.Message.Text, f.Message)
		}
		if f.Evidence.Object != "" && (len(res.Locations[0].LogicalLocations) != 1 || res.Locations[0].LogicalLocations[0].Name != f.Evidence.Object) {
			t.Errorf("%s: logical locations %+v, want the object %s", f.CheckID, res.Locations[0].LogicalLocations, f.Evidence.Object)
		}
		if rule.ShortDescription.Text != f.Title || rule.FullDescription.Text != f.Description ||
			!strings.Contains(rule.Help.Text, f.Remediation) || !slices.Equal(rule.Properties.Tags, []string{"security", f.Domain}) {
			t.Errorf("%s: rule %+v", f.CheckID, rule)
		}
		fingerprints[res.PartialFingerprints["vigilFinding/v1"]] = true
	}
	if len(fingerprints) != len(r.Checks) {
		t.Errorf("%d distinct fingerprints for %d check findings", len(fingerprints), len(r.Checks))
	}
	// The levels and GitHub's severities of each level.
	want := map[string][4]string{
		"K8S-023": {"error", "9.5", "error", "ContainerRuntimeSocketMounted"},
		"DF-008":  {"error", "8.0", "error", "SecretInARGOrENV"},
		"DF-004":  {"warning", "5.5", "warning", ""},
		"DF-002":  {"note", "2.0", "recommendation", ""},
	}
	for _, rule := range run.Tool.Driver.Rules {
		w, ok := want[rule.ID]
		if !ok {
			continue
		}
		delete(want, rule.ID)
		got := [4]string{rule.Default.Level, rule.Properties.SecuritySeverity, rule.Properties.ProblemSeverity, rule.Name}
		if w[3] == "" {
			got[3] = ""
		}
		if got != w {
			t.Errorf("rule %s: level, security-severity, problem.severity, name = %v, want %v", rule.ID, got, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("no rules for %v", want)
	}
	// Another order gives the same log.
	slices.Reverse(r.Checks)
	if !bytes.Equal(data, write(t, r, report.SARIF, report.Options{})) {
		t.Error("SARIF depends on the order of the check findings")
	}
}

func TestSARIFImageChecks(t *testing.T) {
	r := scanned(t)
	data := write(t, r, report.SARIF, report.Options{})
	reporttest.Validate(t, reporttest.SARIF210, data)
	run := readSARIF(t, data).Runs[0]
	seen := 0
	for _, res := range run.Results {
		loc := res.Locations[0]
		switch res.RuleID {
		case "IMG-001":
			seen++
			if loc.PhysicalLocation.ArtifactLocation.URI != reporttest.ImageName || loc.PhysicalLocation.Region.StartLine != 1 {
				t.Errorf("IMG-001 at %+v, want the image, line 1", loc.PhysicalLocation)
			}
			if len(loc.LogicalLocations) != 2 || loc.LogicalLocations[1].FullyQualifiedName != reporttest.ImageName+"@"+reporttest.ManifestDigest+"/config.User" {
				t.Errorf("IMG-001 logical locations %+v", loc.LogicalLocations)
			}
		case "IMG-006":
			seen++
			if fq := loc.LogicalLocations[0].FullyQualifiedName; !strings.HasSuffix(fq, "@"+reporttest.ManifestDigest+"/layer/3") {
				t.Errorf("IMG-006 image location %s, want layer 3", fq)
			}
			if !strings.Contains(res.Message.Text, "Layer 3 (ADD https://example.com/tool.tgz /opt/ # buildkit).") {
				t.Errorf("IMG-006 message %q", res.Message.Text)
			}
		case "IMG-002":
			t.Error("the waived IMG-002 is in the log")
		}
	}
	if seen != 2 {
		t.Errorf("%d of IMG-001 and IMG-006 found", seen)
	}
	for _, secret := range []string{"wJalrXUtnFEMI", "ghp_abc", "hunter2"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("SARIF shows the secret %q", secret)
		}
	}
}

// TestSARIFCheckPaths: files in the scanned image are relative to its
// root; files named on the command line stay relative, or become file:
// URIs when absolute; a fingerprint of the finding's own is used.
func TestSARIFCheckPaths(t *testing.T) {
	r := reporttest.ConfigReport(t)
	r.Checks = r.Checks[:3]
	r.Checks[0].Evidence.File = "./deploy/Dockerfile"
	r.Checks[1].Evidence.File = "/home/ci/app/pod with space.yaml"
	r.Checks[2].Domain = check.DomainSecret
	r.Checks[2].Evidence = check.Evidence{File: "/root/.aws/credentials", Line: 2, Layer: 0}
	r.Checks[2].Fingerprint = "a1b2c3"
	r.Source.Type = "docker-archive"
	data := write(t, r, report.SARIF, report.Options{})
	reporttest.Validate(t, reporttest.SARIF210, data)
	got := map[string]string{}
	for _, res := range readSARIF(t, data).Runs[0].Results {
		loc := res.Locations[0].PhysicalLocation
		got[fmt.Sprintf("%s:%d", loc.ArtifactLocation.URI, loc.Region.StartLine)] = res.PartialFingerprints["vigilFinding/v1"]
	}
	for _, want := range []string{"deploy/Dockerfile", "file:///home/ci/app/pod%20with%20space.yaml", "root/.aws/credentials:2"} {
		found := false
		for k := range got {
			found = found || strings.HasPrefix(k, want)
		}
		if !found {
			t.Errorf("no location %s in %v", want, got)
		}
	}
	if got["root/.aws/credentials:2"] != "a1b2c3" {
		t.Errorf("fingerprint %q, want the finding's own", got["root/.aws/credentials:2"])
	}
}

func TestCycloneDXConfigOnly(t *testing.T) {
	r := configScanned(t)
	data := write(t, r, report.CycloneDXJSON, report.Options{})
	reporttest.Validate(t, reporttest.CycloneDX16, data)
	var bom struct{ Vulnerabilities []any }
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatal(err)
	}
	if len(bom.Vulnerabilities) != 0 || bytes.Contains(data, []byte("DF-0")) {
		t.Errorf("check findings in the BOM: %d vulnerabilities", len(bom.Vulnerabilities))
	}
}

func TestHTMLChecks(t *testing.T) {
	r := configScanned(t)
	r.Checks[0].Message = `<script>alert("pwned")</script>`
	r.Checks[1].Evidence.Snippet = `"><img src=x onerror=alert(1)>`
	r.Checks[2].References = append(r.Checks[2].References, check.Reference{Standard: "X", Section: "1", URL: "javascript:alert(1)"})
	page := string(write(t, r, report.HTML, report.Options{}))
	for _, bad := range []string{"<script", "<img", "javascript:"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	if !strings.Contains(page, "<td>&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;</td>") {
		t.Error("the hostile message is not shown escaped")
	}
	assertSelfContained(t, page)
	for _, want := range []string{
		fmt.Sprintf("<h2>Dockerfile %d</h2>", countDomain(r.Checks, check.DomainDockerfile)),
		fmt.Sprintf("<h2>Kubernetes %d</h2>", countDomain(r.Checks, check.DomainKubernetes)),
		fmt.Sprintf("<tr><td>Check findings</td><td>%d</td></tr>", len(r.Checks)),
		"<code>check/dockerfile/testdata/bad/df008-secrets.Dockerfile:7</code>",
		"CIS Docker Benchmark v1.6.0 4.10 (Ensure secrets are not stored in Dockerfiles)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, noise := range []string{"Vulnerabilities", "advisory data", "Unscannable"} {
		if strings.Contains(page, noise) {
			t.Errorf("HTML of checks alone says %q", noise)
		}
	}
	image := string(write(t, scanned(t), report.HTML, report.Options{}))
	for _, want := range []string{"<h2>Image configuration 7</h2>", "<tr><td>Vulnerabilities</td><td>4</td></tr>", "<dt>Layer</dt><dd>3: ADD https://example.com/tool.tgz /opt/ # buildkit</dd>"} {
		if !strings.Contains(image, want) {
			t.Errorf("image HTML lacks %q", want)
		}
	}
}

func TestGateChecks(t *testing.T) {
	r := reporttest.ImageReport(t) // vulnerabilities: 2 critical, 5 unknown; checks: 5 high, 2 medium, 1 low
	for _, c := range []struct {
		failOn        severity.Level
		ignoreUnfixed bool
		want          int
	}{
		{severity.Critical, false, 2},
		{severity.High, false, 7},
		{severity.High, true, 6}, // jackson-databind has no fix; checks do not care
		{severity.Medium, false, 9},
		{severity.Low, true, 9},
		{severity.Unknown, false, 15},
	} {
		if got := report.Gate(r, c.failOn, c.ignoreUnfixed); got != c.want {
			t.Errorf("Gate(%s, %v) = %d, want %d", c.failOn, c.ignoreUnfixed, got, c.want)
		}
	}
	// Suppressed and waived findings do not count: jackson-databind (VEX)
	// and IMG-002 (ignore file).
	if got := report.Gate(scanned(t), severity.Low, false); got != 8 {
		t.Errorf("Gate(low) after suppression = %d, want 8", got)
	}
	// A report of checks alone: the runtime socket mounts are critical.
	cfg := reporttest.ConfigReport(t)
	critical := 0
	for _, f := range cfg.Checks {
		if f.Severity == severity.Critical {
			critical++
			if f.CheckID != "K8S-023" {
				t.Errorf("unexpected critical %s", f.CheckID)
			}
		}
	}
	if got := report.Gate(cfg, severity.Critical, true); got != critical || got == 0 {
		t.Errorf("Gate(critical) of the config report = %d, want %d", got, critical)
	}
}

func TestFilterChecks(t *testing.T) {
	r := reporttest.ImageReport(t)
	f := report.Filter(r, severity.High, true)
	if len(f.Checks) != 5 || len(r.Checks) != 8 {
		t.Fatalf("Filter(high) kept %d of %d checks (original now %d)", len(f.Checks), 8, len(r.Checks))
	}
	for _, c := range f.Checks {
		if c.Severity != severity.High {
			t.Errorf("Filter(high) kept %s (%s)", c.CheckID, c.Severity)
		}
	}
	if f := report.Filter(r, severity.Unknown, true); len(f.Checks) != 8 {
		t.Errorf("Filter(unknown, ignoreUnfixed) kept %d checks, want all 8", len(f.Checks))
	}
}

// ids lists "CHECK file" of check findings.
func checkIDs(fs []check.Finding, id string) []string {
	var out []string
	for _, f := range fs {
		if f.CheckID == id {
			out = append(out, f.Evidence.File)
		}
	}
	return out
}

func TestSuppressChecks(t *testing.T) {
	before, after := reporttest.ConfigReport(t), configScanned(t)
	const dir = reporttest.DockerfileDir + "/"
	for id, want := range map[string][]string{
		// path: one file of two.
		"DF-001": {dir + "df001-arg.Dockerfile"},
		// path without "/": any file whose name matches.
		"DF-011": nil,
		// expired: still reported.
		"DF-009": {dir + "df009-no-healthcheck.Dockerfile", dir + "df009-none.Dockerfile"},
		"DF-008": slices.Repeat([]string{dir + "df008-secrets.Dockerfile"}, 5),
	} {
		if diff := cmp.Diff(want, checkIDs(after.Checks, id)); diff != "" {
			t.Errorf("%s after the ignore file (-want +got):\n%s", id, diff)
		}
	}
	if waived := len(before.Checks) - len(after.Checks); waived != 3+3 {
		t.Errorf("%d check findings waived, want 3 DF-001 and 3 DF-011", waived)
	}

	// An expiry: the rule applies until it, and then warns.
	rules, err := report.ParseIgnore(strings.NewReader("ignore:\n  - check: IMG-002\n    reason: probes\n    expires: 2026-12-31\n"), "i.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		now    time.Time
		waived bool
	}{
		{time.Date(2026, 12, 30, 23, 59, 59, 0, time.UTC), true},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), false},
	} {
		r := reporttest.ImageReport(t)
		report.Suppress(r, c.now, rules...)
		if waived := len(checkIDs(r.Checks, "IMG-002")) == 0; waived != c.waived || (len(r.Warnings) == 1) == c.waived {
			t.Errorf("at %s: IMG-002 waived %v, warnings %v", c.now, waived, r.Warnings)
		}
	}

	// VEX does not apply to checks, even when it names a check id.
	r := reporttest.ImageReport(t)
	n := len(r.Checks)
	report.Suppress(r, reporttest.Now(), report.Rule{Kind: report.KindVEX, ID: "IMG-001", Status: report.StatusNotAffected, Products: []report.Product{{}}})
	if len(r.Checks) != n {
		t.Error("a VEX statement waived a check")
	}
}

// TestSuppressDoesNotShareChecks: waiving in a filtered copy leaves the
// original report alone.
func TestSuppressDoesNotShareChecks(t *testing.T) {
	r := reporttest.ImageReport(t)
	want := slices.Clone(r.Checks)
	c := *r
	rules, err := report.LoadIgnore("testdata/ignore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	report.Suppress(&c, reporttest.Now(), rules...)
	if len(c.Checks) != len(want)-1 {
		t.Fatalf("%d checks after waiving IMG-002, want %d", len(c.Checks), len(want)-1)
	}
	if diff := cmp.Diff(want, r.Checks); diff != "" {
		t.Errorf("the original report changed (-want +got):\n%s", diff)
	}
}

func TestMatchPath(t *testing.T) {
	for _, c := range []struct {
		pattern, file string
		want          bool
	}{
		{"Dockerfile", "Dockerfile", true},
		{"Dockerfile", "./services/api/Dockerfile", true},
		{"*.Dockerfile", "check/testdata/bad/df001.Dockerfile", true},
		{"*.Dockerfile", "check/testdata/Dockerfile", false},
		{"testdata", "check/testdata/bad/x.yaml", true}, // a directory at any depth
		{"deploy/*.yaml", "deploy/web.yaml", true},
		{"deploy/*.yaml", "deploy/prod/web.yaml", false}, // "*" does not cross "/"
		{"deploy", "deploy/prod/web.yaml", true},
		{"deploy/prod", "deploy/prod/web.yaml", true}, // a directory and everything under it
		{"deploy/prod/", "./deploy/prod/web.yaml", true},
		{"prod/web.yaml", "deploy/prod/web.yaml", false}, // with "/": from the root
		{"/etc/shadow", "/etc/shadow", true},
		{"etc/shadow", "/etc/shadow", true},
		{"/etc/*", "/etc/ssh/sshd_config", true},
		{"/etc/ssh", "/etc/sshd", false},
		{"Dockerfile", "", false},
		{"[", "[", false}, // invalid pattern
	} {
		if got := report.MatchPath(c.pattern, c.file); got != c.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", c.pattern, c.file, got, c.want)
		}
	}
}

// TestJSONChecks: the JSON report carries the check findings as
// vuln.Report declares them, and reads back.
func TestJSONChecks(t *testing.T) {
	r := configScanned(t)
	data := write(t, r, report.JSON, report.Options{})
	var back vuln.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.Checks, back.Checks); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !bytes.Contains(data, []byte(`"checkId": "DF-008"`)) || !bytes.Contains(data, []byte(`"snippet": "ENV AWS_SECRET_ACCESS_KEY=<redacted>"`)) {
		t.Error("JSON lacks the checks' fields")
	}
}
