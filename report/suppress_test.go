package report_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/report"
	"github.com/vigil-dev/vigil/report/internal/reporttest"
	"github.com/vigil-dev/vigil/vuln"
)

// suppressions maps finding ids to "kind status source", "" when not
// suppressed.
func suppressions(r *vuln.Report) map[string]string {
	out := map[string]string{}
	for _, f := range r.Findings {
		s := ""
		if f.Suppression != nil {
			s = f.Suppression.Kind + " " + f.Suppression.Status + " " + f.Suppression.Source
		}
		out[f.ID] = s
	}
	return out
}

func TestSuppressTestdata(t *testing.T) {
	r := scanned(t)
	want := map[string]string{
		// OpenVEX not_affected for zlib1g without version qualifiers:
		// matches the package's purl with arch, distro and upstream.
		"DEBIAN-OVAL-CVE-2022-37434-zlib": "vex not_affected testdata/openvex.json",
		// OpenVEX not_affected only for arch=arm64: the amd64 package stays.
		"DEBIAN-OVAL-CVE-2018-25032-zlib": "",
		// CycloneDX VEX not_affected through a BOM-Link to the alias
		// CVE-2019-16942.
		"GLAD-523eaaba-031d-4454-9cc9-d6b0d6753d40": "vex not_affected testdata/cyclonedx.vex.json",
		// Ignore rule for the alias CVE-2022-42969, by package name.
		"PYSEC-2022-42969": "ignore ignored testdata/ignore.yaml",
		// Expired ignore rule.
		"RUSTSEC-2018-0018": "",
		// OpenVEX under_investigation (in the scanned image) and CycloneDX
		// exploitable do not suppress.
		"RUSTSEC-2021-0003": "",
		"GO-2026-5970":      "",
	}
	if diff := cmp.Diff(want, suppressions(r)); diff != "" {
		t.Errorf("suppressions (-want +got):\n%s", diff)
	}
	var py *vuln.Finding
	for i := range r.Findings {
		if r.Findings[i].ID == "PYSEC-2022-42969" {
			py = &r.Findings[i]
		}
	}
	s := py.Suppression
	if s.Reason != "py.path.svnwc is never used; the ReDoS needs crafted Subversion data" ||
		s.Expires == nil || !s.Expires.Equal(time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("py suppression = %+v", s)
	}
	if len(r.Warnings) != 2 || !strings.Contains(r.Warnings[0].Message, "RUSTSEC-2018-0018") || !strings.Contains(r.Warnings[0].Message, "expired") ||
		!strings.Contains(r.Warnings[1].Message, "rule for DF-009 in testdata/ignore.yaml expired on 2026-02-01") {
		t.Errorf("warnings = %+v, want two saying the RUSTSEC-2018-0018 and DF-009 rules expired", r.Warnings)
	}
}

func TestIgnoreJSONAndExpiry(t *testing.T) {
	rules, err := report.LoadIgnore("testdata/ignore.json")
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now        time.Time
		suppressed bool
	}{
		{expiry.Add(-time.Second), true},
		{expiry, false},
	} {
		r := reporttest.Report(t)
		report.Suppress(r, c.now, rules...)
		got := suppressions(r)["GO-2026-5970"] != ""
		if got != c.suppressed {
			t.Errorf("at %s: suppressed = %v, want %v", c.now, got, c.suppressed)
		}
		if expired := len(r.Warnings) == 1; expired == c.suppressed {
			t.Errorf("at %s: warnings %v", c.now, r.Warnings)
		}
	}
}

func TestIgnoreWithoutPackage(t *testing.T) {
	rules, err := report.ParseIgnore(strings.NewReader("ignore:\n  - id: cve-2018-25032\n    reason: accepted risk\n"), "inline")
	if err != nil {
		t.Fatal(err)
	}
	r := reporttest.Report(t)
	report.Suppress(r, reporttest.Now(), rules...)
	if got := suppressions(r)["DEBIAN-OVAL-CVE-2018-25032-zlib"]; got != "ignore ignored inline" {
		t.Errorf("an entry without package, matched by alias in another case: %q", got)
	}
}

func TestSuppressKeepsExisting(t *testing.T) {
	r := reporttest.Report(t)
	r.Findings[0].Suppression = &vuln.Suppression{Kind: "vex", Status: "fixed", Source: "earlier"}
	rules, err := report.ParseIgnore(strings.NewReader("ignore:\n  - id: "+r.Findings[0].ID+"\n    reason: x\n"), "later")
	if err != nil {
		t.Fatal(err)
	}
	report.Suppress(r, reporttest.Now(), rules...)
	if r.Findings[0].Suppression.Source != "earlier" {
		t.Errorf("Suppress replaced an existing suppression: %+v", r.Findings[0].Suppression)
	}
}

func TestIgnoreErrors(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"no reason":     {"ignore:\n  - id: CVE-1\n", "needs a reason"},
		"blank reason":  {"ignore:\n  - id: CVE-1\n    reason: '  '\n", "needs a reason"},
		"no id":         {"ignore:\n  - reason: x\n", "needs an id (advisory id or alias) or a check"},
		"id and check":  {"ignore:\n  - id: CVE-1\n    check: DF-001\n    reason: x\n", "names a check too"},
		"bad check":     {"ignore:\n  - check: CVE-2024-1\n    reason: x\n", `check "CVE-2024-1" is not a check id`},
		"check package": {"ignore:\n  - check: DF-001\n    package: py\n    reason: x\n", "use path for checks"},
		"id path":       {"ignore:\n  - id: CVE-1\n    path: Dockerfile\n    reason: x\n", "use package for advisories"},
		"bad glob":      {"ignore:\n  - check: DF-001\n    path: 'deploy/[a-'\n    reason: x\n", "syntax error in pattern"},
		"check reason":  {"ignore:\n  - check: df-001\n", "the entry for DF-001 needs a reason"},
		"unknown field": {"ignore:\n  - id: CVE-1\n    reason: x\n    expire: 2026-01-01\n", `unknown field "expire"`},
		"top level":     {"ignores: []\n", `unknown field "ignores"`},
		"bad date":      {"ignore:\n  - id: CVE-1\n    reason: x\n    expires: next year\n", "neither a date"},
		"not a list":    {"ignore: CVE-1\n", "must be a list"},
		"bad purl":      {"ignore:\n  - id: CVE-1\n    reason: x\n    package: 'pkg:'\n", "invalid package URL"},
		"nested value":  {"ignore:\n  - id: [CVE-1]\n    reason: x\n", "single value"},
		"anchor":        {"a: &x 1\nignore:\n  - id: *x\n    reason: x\n", "anchors and aliases"},
		"syntax":        {"ignore: [\n", "did not find"},
		"line number":   {"ignore:\n  - id: CVE-1\n    reason: x\n  - id: CVE-2\n", "line 4"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := report.ParseIgnore(strings.NewReader(c.in), "f.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "f.yaml") {
				t.Errorf("ParseIgnore = %v, want an error naming f.yaml and saying %q", err, c.want)
			}
		})
	}
	rules, err := report.ParseIgnore(strings.NewReader("# nothing yet\n"), "empty")
	if err != nil || len(rules) != 0 {
		t.Errorf("empty file: %v, %v", rules, err)
	}
}

// TestIgnoreYAMLBomb feeds the classic "billion laughs" document: nine
// levels of nine aliases, 9^9 strings if expanded. It must fail at once.
func TestIgnoreYAMLBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i, prev := 'b', 'a'; i <= 'i'; i, prev = i+1, i {
		b.WriteString(string(i) + ": &" + string(i) + " [")
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + string(prev))
		}
		b.WriteString("]\n")
	}
	b.WriteString("ignore:\n  - id: *i\n    reason: boom\n")
	start := time.Now()
	_, err := report.ParseIgnore(strings.NewReader(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "anchors and aliases") {
		t.Errorf("ParseIgnore(bomb) = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ParseIgnore(bomb) took %s", d)
	}
}

func TestIgnoreTooLarge(t *testing.T) {
	in := "ignore:\n" + strings.Repeat("# padding padding padding padding\n", report.MaxIgnoreSize/30)
	_, err := report.ParseIgnore(strings.NewReader(in), "big.yaml")
	if !errors.Is(err, report.ErrTooLarge) {
		t.Errorf("ParseIgnore(%d bytes) = %v, want ErrTooLarge", len(in), err)
	}
	var list strings.Builder
	list.WriteString("ignore:\n")
	for range 10_001 {
		list.WriteString("- {id: C, reason: r}\n")
	}
	if _, err := report.ParseIgnore(strings.NewReader(list.String()), "many.yaml"); !errors.Is(err, report.ErrTooLarge) {
		t.Errorf("ParseIgnore(10001 entries) = %v, want ErrTooLarge", err)
	}
}

func TestPURLMatches(t *testing.T) {
	const pkg = "pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2?arch=amd64&distro=debian-12&upstream=zlib"
	for _, c := range []struct {
		general, specific string
		want              bool
	}{
		{"pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2", pkg, true},
		{"pkg:deb/debian/zlib1g", pkg, true},
		{"pkg:deb/debian/zlib1g?arch=amd64", pkg, true},
		{"pkg:deb/debian/zlib1g?distro=debian-12&arch=amd64", pkg, true},
		{"pkg:deb/debian/zlib1g?arch=arm64", pkg, false},
		{"pkg:deb/debian/zlib1g?repository_url=x", pkg, false},
		{"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1", pkg, false},
		{"pkg:deb/ubuntu/zlib1g", pkg, false},
		{"pkg:rpm/debian/zlib1g", pkg, false},
		{"pkg:deb/debian/zlib", pkg, false},
		// The general purl is the VEX one: the package's purl having no
		// qualifier does not match a statement that requires one.
		{pkg, "pkg:deb/debian/zlib1g@1:1.2.11.dfsg-2", false},
		{"pkg:npm/%40babel/core@7.0.0", "pkg:npm/@babel/core@7.0.0", true},
		{"pkg:golang/golang.org/x/text#unicode", "pkg:golang/golang.org/x/text@v0.14.0", false},
		{"not a purl", pkg, false},
		{"pkg:deb/debian/zlib1g", "", false},
	} {
		if got := report.PURLMatches(c.general, c.specific); got != c.want {
			t.Errorf("PURLMatches(%q, %q) = %v, want %v", c.general, c.specific, got, c.want)
		}
	}
}

// openVEX is a minimal OpenVEX document with one statement.
func openVEX(timestamp, vulnerability, product, status, extra string) string {
	return `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex", "author": "a",
	"timestamp": "` + timestamp + `", "version": 1, "statements": [{"vulnerability": {"name": "` + vulnerability + `"},
	"products": [{"@id": "` + product + `"}], "status": "` + status + `"` + extra + `}]}`
}

func TestVEXLatestStatementWins(t *testing.T) {
	const product = "pkg:cargo/smallvec@0.6.10"
	older := openVEX("2026-01-01T00:00:00Z", "CVE-2021-25900", product, "not_affected", `, "justification": "vulnerable_code_not_present"`)
	newer := openVEX("2026-02-01T00:00:00Z", "RUSTSEC-2021-0003", product, "affected", `, "action_statement": "upgrade"`)
	for _, c := range []struct {
		name string
		docs []string
		want string
	}{
		{"newer affected overrides", []string{older, newer}, ""},
		{"order of documents does not matter", []string{newer, older}, ""},
		{"alone", []string{older}, "vex not_affected older"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rules []report.Rule
			for _, d := range c.docs {
				source := "older"
				if d == newer {
					source = "newer"
				}
				rs, err := report.ParseVEX(strings.NewReader(d), source)
				if err != nil {
					t.Fatal(err)
				}
				rules = append(rules, rs...)
			}
			r := reporttest.Report(t)
			report.Suppress(r, reporttest.Now(), rules...)
			if got := suppressions(r)["RUSTSEC-2021-0003"]; got != c.want {
				t.Errorf("suppression %q, want %q", got, c.want)
			}
		})
	}
}

func TestOpenVEXImageProducts(t *testing.T) {
	const other = "pkg:oci/example-app@sha256%3A1111111111111111111111111111111111111111111111111111111111111111"
	image := "pkg:oci/example-app@" + strings.Replace(reporttest.ConfigDigest, ":", "%3A", 1)
	for _, c := range []struct {
		product string
		want    bool
	}{
		{image, true}, // the image itself (config digest): all its packages
		{other, false},
	} {
		doc := openVEX("2026-01-01T00:00:00Z", "CVE-2018-25032", c.product, "fixed", "")
		rules, err := report.ParseVEX(strings.NewReader(doc), "img")
		if err != nil {
			t.Fatal(err)
		}
		r := reporttest.Report(t)
		report.Suppress(r, reporttest.Now(), rules...)
		if got := suppressions(r)["DEBIAN-OVAL-CVE-2018-25032-zlib"] != ""; got != c.want {
			t.Errorf("product %s: suppressed %v, want %v", c.product, got, c.want)
		}
	}
}

func TestOpenVEX001(t *testing.T) {
	// OpenVEX 0.0.1: the vulnerability and the products are strings.
	doc := `{"@context": "https://openvex.dev/ns", "@id": "https://example.com/v1", "author": "a", "version": "1",
	"timestamp": "2023-01-16T19:07:16Z", "statements": [{"vulnerability": "CVE-2022-42969",
	"products": ["pkg:pypi/py@1.11.0"], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}`
	rules, err := report.ParseVEX(strings.NewReader(doc), "v001")
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Rule{{
		Kind: report.KindVEX, ID: "CVE-2022-42969", Status: "not_affected",
		Justification: "vulnerable_code_not_in_execute_path", Source: "v001",
		Products:  []report.Product{{PURL: "pkg:pypi/py@1.11.0"}},
		Timestamp: time.Date(2023, 1, 16, 19, 7, 16, 0, time.UTC),
	}}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestCycloneDXVEXBOMRefs(t *testing.T) {
	doc := `{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
	"components": [{"type": "library", "bom-ref": "c1", "name": "py", "version": "1.11.0", "purl": "pkg:pypi/py@1.11.0",
	  "components": [{"type": "library", "bom-ref": "c2", "name": "x", "purl": "pkg:pypi/x@1"}]}],
	"vulnerabilities": [
	  {"id": "CVE-2022-42969", "analysis": {"state": "false_positive", "lastUpdated": "2026-01-01T00:00:00Z"},
	   "affects": [{"ref": "c1"}, {"ref": "c2"}, {"ref": "nowhere"}]},
	  {"id": "CVE-2000-1", "affects": [{"ref": "c1"}]}
	]}`
	rules, err := report.ParseVEX(strings.NewReader(doc), "cdx")
	if err != nil {
		t.Fatal(err)
	}
	want := []report.Rule{{
		Kind: report.KindVEX, ID: "CVE-2022-42969", Status: "false_positive", Source: "cdx",
		Products:  []report.Product{{PURL: "pkg:pypi/py@1.11.0"}, {PURL: "pkg:pypi/x@1"}},
		Timestamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
}

func TestVEXErrors(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"not vex":          {`{"hello": "world"}`, "neither OpenVEX"},
		"not json":         {`<csaf/>`, "invalid character"},
		"status":           {openVEX("2026-01-01T00:00:00Z", "CVE-1", "pkg:npm/a", "maybe", ""), `unknown status "maybe"`},
		"no justification": {openVEX("2026-01-01T00:00:00Z", "CVE-1", "pkg:npm/a", "not_affected", ""), "without a justification"},
		"no name":          {openVEX("2026-01-01T00:00:00Z", "", "pkg:npm/a", "fixed", ""), "no vulnerability name"},
		"cdx no id":        {`{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"analysis": {"state": "resolved"}}]}`, "has no id"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := report.ParseVEX(strings.NewReader(c.in), "doc.json")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "doc.json") {
				t.Errorf("ParseVEX = %v, want an error naming doc.json and saying %q", err, c.want)
			}
		})
	}
}

// TestVEXTooLarge reads a document one byte over the limit: it must stop
// reading there and fail, not buffer the rest.
func TestVEXTooLarge(t *testing.T) {
	r := &countingReader{n: report.MaxVEXSize * 4}
	_, err := report.ParseVEX(r, "huge.json")
	if !errors.Is(err, report.ErrTooLarge) {
		t.Fatalf("ParseVEX(huge) = %v, want ErrTooLarge", err)
	}
	if r.read > report.MaxVEXSize+64*1024 {
		t.Errorf("read %d bytes of a document over the %d-byte limit", r.read, report.MaxVEXSize)
	}
}

// countingReader yields n spaces and counts what was read.
type countingReader struct{ n, read int }

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, errors.New("EOF")
	}
	k := min(len(p), c.n-c.read)
	for i := range p[:k] {
		p[i] = ' '
	}
	c.read += k
	return k, nil
}

// TestVEXTestdataValid checks the example VEX documents against the
// official OpenVEX and CycloneDX schemas, so that the examples (and the
// tests built on them) are documents other tools accept.
func TestVEXTestdataValid(t *testing.T) {
	for file, schema := range map[string]string{
		"testdata/openvex.json":       reporttest.OpenVEX020,
		"testdata/cyclonedx.vex.json": reporttest.CycloneDX16,
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		reporttest.Validate(t, schema, data)
	}
	// The validator does reject what the OpenVEX schema forbids.
	bad := openVEX("2026-01-01T00:00:00Z", "CVE-1", "pkg:npm/a", "not_affected", "")
	if reporttest.ValidateErr(reporttest.OpenVEX020, []byte(bad)) == nil {
		t.Error("the OpenVEX schema accepts a not_affected statement without justification")
	}
}
