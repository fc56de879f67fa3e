package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/report"
	"github.com/vigil-dev/vigil/report/internal/reporttest"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
)

var update = flag.Bool("update", false, "rewrite golden files")

// scanned is the realistic image report, with its image configuration
// checks, and the suppressions of testdata applied, as the CLI would
// apply --vex and --ignore-file.
func scanned(t *testing.T) *vuln.Report {
	t.Helper()
	return suppressed(t, reporttest.ImageReport(t))
}

// configScanned is the report of `vigil scan config` on the checks'
// testdata, with testdata/ignore.yaml applied.
func configScanned(t *testing.T) *vuln.Report {
	t.Helper()
	return suppressed(t, reporttest.ConfigReport(t))
}

func suppressed(t *testing.T, r *vuln.Report) *vuln.Report {
	t.Helper()
	var rules []report.Rule
	for _, load := range []struct {
		f    func(string) ([]report.Rule, error)
		path string
	}{
		{report.LoadIgnore, "testdata/ignore.yaml"},
		{report.LoadVEX, "testdata/openvex.json"},
		{report.LoadVEX, "testdata/cyclonedx.vex.json"},
	} {
		rs, err := load.f(load.path)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, rs...)
	}
	report.Suppress(r, reporttest.Now(), rules...)
	return r
}

func write(t *testing.T, r *vuln.Report, format string, opts report.Options) []byte {
	t.Helper()
	if opts.Now == nil {
		opts.Now = reporttest.Now
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, r, format, opts); err != nil {
		t.Fatalf("Write %s: %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for name, r := range map[string]*vuln.Report{"report": scanned(t), "config": configScanned(t)} {
		for format, ext := range map[string]string{
			report.Table:         "txt",
			report.JSON:          "json",
			report.SARIF:         "sarif",
			report.CycloneDXJSON: "cdx.json",
			report.HTML:          "html",
		} {
			t.Run(name+"/"+format, func(t *testing.T) {
				reporttest.Golden(t, "testdata/golden/"+name+"."+ext, write(t, r, format, report.Options{}), *update)
			})
		}
	}
}

func TestWriteDoesNotModifyReport(t *testing.T) {
	for _, r := range []*vuln.Report{scanned(t), configScanned(t)} {
		// Out of order: writers sort copies.
		slices.Reverse(r.Checks)
		before, _ := json.Marshal(r)
		for _, format := range report.Formats() {
			write(t, r, format, report.Options{Color: true})
		}
		after, _ := json.Marshal(r)
		if !bytes.Equal(before, after) {
			t.Error("Write modified the report")
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	err := report.Write(&bytes.Buffer{}, reporttest.Report(t), "xml", report.Options{})
	var uf *report.UnknownFormatError
	if !errors.As(err, &uf) || uf.Format != "xml" {
		t.Fatalf("Write xml = %v, want UnknownFormatError", err)
	}
}

func TestTable(t *testing.T) {
	r := scanned(t)
	out := string(write(t, r, report.Table, report.Options{}))
	// Groups by severity, most severe first; suppressed and unscannable
	// after them.
	order := []string{"CRITICAL (1)", "UNKNOWN (3)", "SUPPRESSED (3)", "UNSCANNABLE (1)"}
	last := -1
	for _, s := range order {
		i := strings.Index(out, s)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order in:\n%s", s, out)
		}
		last = i
	}
	for _, want := range []string{
		"smallvec  0.6.10     0.6.14",
		"RUSTSEC-2021-0003 (CVE-2021-25900)",
		"critical 9.8",
		"1 finding comes from base layers: rebuild on a newer base",
		"4 findings: 1 critical, 3 unknown; 4 fixed, 0 unfixed; 3 suppressed, 1 unscannable",
		"version unknown ((devel))",
		"vulnerable_code_not_in_execute_path",
		"expired on 2026-01-31",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("table without Color has escape sequences")
	}
	colored := string(write(t, r, report.Table, report.Options{Color: true}))
	if !strings.Contains(colored, "\x1b[1;31mcritical 9.8\x1b[0m") {
		t.Errorf("coloured table lacks a red critical:\n%q", colored)
	}
}

func TestTableHostileValues(t *testing.T) {
	r := reporttest.Report(t)
	r.Findings[0].Package.Name = "evil\x1b]0;pwned\x07\u202epkg"
	out := string(write(t, r, report.Table, report.Options{}))
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("control characters reach the terminal:\n%q", out)
	}
	if !strings.Contains(out, "evil?]0;pwned??pkg") {
		t.Errorf("hostile name not shown sanitized:\n%s", out)
	}
}

func TestTableBaseLayers(t *testing.T) {
	r := reporttest.Report(t)
	out := string(write(t, r, report.Table, report.Options{}))
	if !strings.Contains(out, "2 findings come from base layers: rebuild on a newer base") {
		t.Errorf("want the base-layer sentence for both zlib findings:\n%s", out)
	}
	r.Findings = nil
	r.Unscannable = nil
	out = string(write(t, r, report.Table, report.Options{}))
	if strings.TrimSpace(out) != "No vulnerabilities found (0 suppressed, 0 unscannable)" {
		t.Errorf("empty report: %q", out)
	}
}

func TestJSON(t *testing.T) {
	r := scanned(t)
	data := write(t, r, report.JSON, report.Options{})
	if !bytes.HasPrefix(data, []byte("{\n  \"schemaVersion\": \"1\",")) {
		t.Errorf("JSON does not start with schemaVersion:\n%.80s", data)
	}
	var back vuln.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Findings) != len(r.Findings) {
		t.Fatalf("round trip: %d findings, want %d", len(back.Findings), len(r.Findings))
	}
	n := 0
	for _, f := range back.Findings {
		if f.Suppression != nil {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d suppressed findings after a round trip, want 3", n)
	}
	empty := write(t, &vuln.Report{}, report.JSON, report.Options{})
	if !bytes.Contains(empty, []byte(`"findings": []`)) || !bytes.Contains(empty, []byte(`"schemaVersion": "1"`)) {
		t.Errorf("empty report JSON:\n%s", empty)
	}
}

func TestSARIF(t *testing.T) {
	r := scanned(t)
	data := write(t, r, report.SARIF, report.Options{})
	reporttest.Validate(t, reporttest.SARIF210, data)
	// The validator is not vacuous: a level SARIF does not define fails.
	if reporttest.ValidateErr(reporttest.SARIF210, bytes.Replace(data, []byte(`"level": "error"`), []byte(`"level": "severe"`), 1)) == nil {
		t.Error("the SARIF schema accepts level \"severe\"")
	}

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Help       struct{ Text, Markdown string }
						Properties map[string]any
					}
				}
			}
			Results []struct {
				RuleID              string
				RuleIndex           int
				Level               string
				Locations           []map[string]json.RawMessage
				PartialFingerprints map[string]string
				Suppressions        []map[string]string
			}
		}
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != len(r.Findings)+len(r.Checks) {
		t.Fatalf("%d results, want one per finding and check finding (%d + %d)", len(run.Results), len(r.Findings), len(r.Checks))
	}
	ids := map[string]bool{}
	for _, f := range r.Findings {
		ids[f.ID] = true
	}
	for _, f := range r.Checks {
		ids[f.CheckID] = true
	}
	if len(run.Tool.Driver.Rules) != len(ids) {
		t.Errorf("%d rules, want one per advisory and check (%d)", len(run.Tool.Driver.Rules), len(ids))
	}
	suppressed := 0
	for _, res := range run.Results[:len(r.Findings)] {
		rule := run.Tool.Driver.Rules[res.RuleIndex]
		if rule.ID != res.RuleID {
			t.Errorf("result %s points at rule %s", res.RuleID, rule.ID)
		}
		if res.PartialFingerprints["vigilFinding/v1"] == "" {
			t.Errorf("result %s has no fingerprint", res.RuleID)
		}
		if _, ok := res.Locations[0]["physicalLocation"]; !ok {
			t.Errorf("result %s has no physical location", res.RuleID)
		}
		if _, ok := res.Locations[0]["logicalLocations"]; !ok {
			t.Errorf("result %s of an image has no logical location", res.RuleID)
		}
		suppressed += len(res.Suppressions)
		if res.RuleID == "RUSTSEC-2021-0003" {
			if res.Level != "error" || rule.Properties["security-severity"] != "9.8" {
				t.Errorf("RUSTSEC-2021-0003: level %s, security-severity %v; want error, 9.8", res.Level, rule.Properties["security-severity"])
			}
			if !strings.Contains(rule.Help.Text, "cargo update -p smallvec --precise 0.6.14") {
				t.Errorf("help lacks the remediation:\n%s", rule.Help.Text)
			}
		}
	}
	if suppressed != 3 {
		t.Errorf("%d suppressed results, want 3", suppressed)
	}
}

func TestSARIFFingerprintsStable(t *testing.T) {
	a := write(t, reporttest.Report(t), report.SARIF, report.Options{})
	r := reporttest.Report(t)
	// Another scan finds the same things in another order.
	for i, j := 0, len(r.Findings)-1; i < j; i, j = i+1, j-1 {
		r.Findings[i], r.Findings[j] = r.Findings[j], r.Findings[i]
	}
	if b := write(t, r, report.SARIF, report.Options{}); !bytes.Equal(a, b) {
		t.Error("SARIF depends on the order of the findings")
	}
	fp := regexp.MustCompile(`"vigilFinding/v1": "([0-9a-f]+)"`)
	seen := map[string]bool{}
	for _, m := range fp.FindAllSubmatch(a, -1) {
		seen[string(m[1])] = true
	}
	if len(seen) != len(r.Findings) {
		t.Errorf("%d distinct fingerprints for %d findings", len(seen), len(r.Findings))
	}
}

func TestCycloneDX(t *testing.T) {
	r := scanned(t)
	data := write(t, r, report.CycloneDXJSON, report.Options{})
	reporttest.Validate(t, reporttest.CycloneDX16, data)
	if reporttest.ValidateErr(reporttest.CycloneDX16, bytes.Replace(data, []byte(`"CVSSv31"`), []byte(`"CVSSv9"`), 1)) == nil {
		t.Error("the CycloneDX schema accepts method CVSSv9")
	}

	var bom struct {
		Components []struct {
			BOMRef string `json:"bom-ref"`
			PURL   string
		}
		Vulnerabilities []struct {
			ID      string
			Ratings []struct {
				Severity, Method, Vector string
				Score                    float64
			}
			Recommendation string
			Affects        []struct{ Ref string }
			Analysis       *struct{ State, Justification, Detail string }
		}
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	for _, c := range bom.Components {
		if c.PURL != "" && c.BOMRef != c.PURL {
			t.Errorf("component %s has bom-ref %s, want its purl as vigil's SBOM gives it", c.PURL, c.BOMRef)
		}
		refs[c.BOMRef] = true
	}
	// Check findings are not vulnerabilities: the BOM leaves them out.
	if len(r.Checks) == 0 || len(bom.Vulnerabilities) != len(r.Findings) {
		t.Fatalf("%d vulnerabilities, want %d (and not the %d check findings)", len(bom.Vulnerabilities), len(r.Findings), len(r.Checks))
	}
	states := map[string]string{}
	for _, v := range bom.Vulnerabilities {
		for _, a := range v.Affects {
			if !refs[a.Ref] {
				t.Errorf("%s affects %s, which is no component", v.ID, a.Ref)
			}
		}
		if v.Analysis != nil {
			states[v.ID] = v.Analysis.State + "/" + v.Analysis.Justification
		}
		if v.ID == "RUSTSEC-2021-0003" {
			rt := v.Ratings[0]
			if rt.Severity != "critical" || rt.Method != "CVSSv31" || rt.Score != 9.8 || !strings.HasPrefix(rt.Vector, "CVSS:3.1/") {
				t.Errorf("RUSTSEC-2021-0003 rating %+v", rt)
			}
			if !strings.Contains(v.Recommendation, "cargo update -p smallvec --precise 0.6.14") {
				t.Errorf("recommendation %q", v.Recommendation)
			}
		}
	}
	want := map[string]string{
		"DEBIAN-OVAL-CVE-2022-37434-zlib":           "not_affected/code_not_reachable",
		"GLAD-523eaaba-031d-4454-9cc9-d6b0d6753d40": "not_affected/requires_dependency",
		"PYSEC-2022-42969":                          "/",
	}
	for id, w := range want {
		if states[id] != w {
			t.Errorf("%s analysis %q, want %q", id, states[id], w)
		}
	}
	if len(states) != len(want) {
		t.Errorf("analyses %v, want exactly %v", states, want)
	}
}

// TestCycloneDXMatchesSBOM checks that a package's component in the
// vulnerability BOM is the one vigil's SBOM writes for it.
func TestCycloneDXMatchesSBOM(t *testing.T) {
	r := reporttest.Report(t)
	data := write(t, r, report.CycloneDXJSON, report.Options{})
	var bom struct {
		Metadata struct {
			Component struct {
				BOMRef string `json:"bom-ref"`
				Name   string
			}
		}
		Components []struct {
			BOMRef string `json:"bom-ref"`
			Type   string
			Name   string
		}
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		t.Fatal(err)
	}
	if bom.Metadata.Component.BOMRef != "image" || bom.Metadata.Component.Name != reporttest.ImageName {
		t.Errorf("metadata.component = %+v", bom.Metadata.Component)
	}
	if bom.Components[0].BOMRef != "os:debian@12" || bom.Components[0].Type != "operating-system" {
		t.Errorf("first component = %+v, want the OS", bom.Components[0])
	}
}

func TestHTML(t *testing.T) {
	r := scanned(t)
	r.Findings[0].Summary = `<script>alert("pwned")</script><img src=x onerror=alert(1)>`
	r.Findings[0].References = append(r.Findings[0].References, "javascript:alert(1)")
	r.Unscannable[0].Reason = `"><iframe src="https://evil.example/">`
	page := string(write(t, r, report.HTML, report.Options{}))

	for _, bad := range []string{"<script", "<img", "<iframe", "javascript:"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") {
		t.Error("the hostile summary is not shown escaped")
	}
	assertSelfContained(t, page)
	for _, want := range []string{"1 finding comes from base layers: rebuild on a newer base", "Suppressed 3", "Unscannable packages 1", "expired on 2026-01-31"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

// assertSelfContained fails if the page could load anything: no element
// that fetches (script, link, img, iframe, object, embed, audio, video,
// source, base, form), no src, srcset, data or style attribute, and no
// url() or @import in the style sheet. Links (<a href>) are allowed: they
// load nothing until followed.
func assertSelfContained(t *testing.T, page string) {
	t.Helper()
	tags := regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>`)
	attrs := regexp.MustCompile(`(?i)\s(src|srcset|data|style|background|poster|action)\s*=`)
	fetching := map[string]bool{"script": true, "link": true, "img": true, "iframe": true, "object": true,
		"embed": true, "audio": true, "video": true, "source": true, "base": true, "form": true, "svg": true}
	n := 0
	for _, m := range tags.FindAllStringSubmatch(page, -1) {
		n++
		if name := strings.ToLower(m[1]); fetching[name] {
			t.Errorf("HTML has a <%s> element", name)
		}
		if a := attrs.FindString(m[2]); a != "" {
			t.Errorf("HTML element <%s> has attribute %q", m[1], a)
		}
		if strings.EqualFold(m[1], "meta") && strings.Contains(strings.ToLower(m[2]), "refresh") {
			t.Error("HTML has a meta refresh")
		}
	}
	if n < 50 {
		t.Fatalf("only %d tags found: the check is not looking at the page", n)
	}
	style := page[strings.Index(page, "<style>"):strings.Index(page, "</style>")]
	if strings.Contains(style, "url(") || strings.Contains(style, "@import") {
		t.Error("the style sheet loads a resource")
	}
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Error("HTML lacks its Content-Security-Policy")
	}
}

func TestGate(t *testing.T) {
	r := reporttest.Report(t) // 2 critical, 5 unknown; 4 fixed
	for _, c := range []struct {
		failOn        severity.Level
		ignoreUnfixed bool
		want          int
	}{
		{severity.Critical, false, 2},
		{severity.Critical, true, 1}, // jackson-databind has no fix
		{severity.High, false, 2},
		{severity.Unknown, false, 7},
		{severity.Unknown, true, 5},
	} {
		if got := report.Gate(r, c.failOn, c.ignoreUnfixed); got != c.want {
			t.Errorf("Gate(%s, %v) = %d, want %d", c.failOn, c.ignoreUnfixed, got, c.want)
		}
	}
	// Suppressed findings do not count: the CycloneDX VEX suppresses
	// jackson-databind.
	if got := report.Gate(scanned(t), severity.Critical, false); got != 1 {
		t.Errorf("Gate after suppression = %d, want 1", got)
	}
}

func TestFilter(t *testing.T) {
	r := reporttest.Report(t)
	n := len(r.Findings)
	f := report.Filter(r, severity.High, false)
	if len(f.Findings) != 2 || len(r.Findings) != n {
		t.Fatalf("Filter(high) kept %d of %d (original now %d)", len(f.Findings), n, len(r.Findings))
	}
	for _, x := range f.Findings {
		if x.Severity.Level != severity.Critical {
			t.Errorf("Filter(high) kept %s (%s)", x.ID, x.Severity.Level)
		}
	}
	f = report.Filter(r, severity.Unknown, true)
	for _, x := range f.Findings {
		if !x.Fixed() {
			t.Errorf("Filter(ignoreUnfixed) kept unfixed %s", x.ID)
		}
	}
	if len(f.Findings) != 5 {
		t.Errorf("Filter(ignoreUnfixed) kept %d, want 5", len(f.Findings))
	}
}
