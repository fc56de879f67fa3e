package severity

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gocvss40 "github.com/pandatix/go-cvss/40"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// TestParseFeedWords: every severity word found in the shared OSV exports
// (database_specific.severity, scanned by TestSharedDataWordsParse), then
// the documented vocabularies of the feeds vigil reads.
func TestParseFeedWords(t *testing.T) {
	tests := []struct {
		word string
		want Level
	}{
		// Found in /work/shared/vulndata/osv: npm, Maven and RubyGems
		// (GitLab advisories) records carry database_specific.severity
		// "UNKNOWN" (6,801 records); no other zip has a severity word.
		{"UNKNOWN", Unknown},
		// GitHub advisories (database_specific.severity).
		{"LOW", Low}, {"MODERATE", Medium}, {"HIGH", High}, {"CRITICAL", Critical},
		// GitLab advisories.
		{"Info", Negligible}, {"Low", Low}, {"Medium", Medium}, {"High", High}, {"Critical", Critical},
		// Debian security tracker urgencies.
		{"unimportant", Negligible}, {"low", Low}, {"medium", Medium}, {"high", High},
		{"not yet assigned", Unknown}, {"end-of-life", Unknown},
		// Ubuntu priorities (OSV severity type "Ubuntu").
		{"negligible", Negligible}, {"untriaged", Unknown}, {"critical", Critical},
		// Red Hat.
		{"Important", High}, {"Moderate", Medium},
		// CVSS and NVD.
		{"NONE", Negligible},
		{" high ", High},
	}
	for _, tt := range tests {
		got, err := Parse(tt.word)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.word, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "severe", "9.8", "hi gh"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

// TestSharedDataWordsParse scans every zip of the shared OSV exports for
// severity words and checks that Parse knows each of them. It needs the
// shared data set (/work/shared/vulndata).
func TestSharedDataWordsParse(t *testing.T) {
	zips, _ := filepath.Glob("/work/shared/vulndata/osv/*/all.zip")
	if len(zips) == 0 {
		t.Skip("extended check skipped: /work/shared/vulndata/osv is absent; TestParseFeedWords covers the words found there")
	}
	found := map[string]int{}
	for _, name := range zips {
		zr, err := zip.OpenReader(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			var v osv.Vulnerability
			err = json.NewDecoder(rc).Decode(&v)
			rc.Close()
			if err != nil {
				t.Fatalf("%s %s: %v", name, zf.Name, err)
			}
			raws := []json.RawMessage{v.DatabaseSpecific}
			for _, a := range v.Affected {
				raws = append(raws, a.DatabaseSpecific, a.EcosystemSpecific)
			}
			for _, raw := range raws {
				for _, key := range []string{"severity", "urgency", "priority"} {
					if w, ok := stringMember(raw, key); ok {
						found[w]++
					}
				}
			}
			for _, s := range v.Severity {
				if s.Type == "Ubuntu" {
					found[s.Score]++
				}
			}
		}
		zr.Close()
	}
	for w, n := range found {
		if _, err := Parse(w); err != nil {
			t.Errorf("%q (%d records): %v", w, n, err)
		}
	}
	t.Logf("severity words in the shared data: %v", found)
}

func stringMember(raw json.RawMessage, key string) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "", false
	}
	var s string
	return s, json.Unmarshal(m[key], &s) == nil
}

func TestLevelOrderAndJSON(t *testing.T) {
	order := []Level{Unknown, Negligible, Low, Medium, High, Critical}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := order[i].Compare(order[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d", order[i], order[j], got)
			}
		}
	}
	b, err := json.Marshal(map[string]Level{"a": Critical, "b": Unknown})
	if err != nil || string(b) != `{"a":"critical","b":"unknown"}` {
		t.Errorf("json = %s, %v", b, err)
	}
	var back map[string]Level
	if err := json.Unmarshal([]byte(`{"a":"MODERATE","b":"negligible"}`), &back); err != nil || back["a"] != Medium || back["b"] != Negligible {
		t.Errorf("unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"a":"bad"}`), &back); err == nil {
		t.Error("unmarshal of an unknown word: no error")
	}
	if _, err := json.Marshal(Level(42)); err == nil {
		t.Error("marshal of an invalid level: no error")
	}
}

// TestOfficialScores checks base scores against the official examples of
// FIRST (v3.0, v3.1, v4.0) and of the CVSS v2 guide (testdata/README.md).
// For a v4.0 vector with threat or environmental metrics, the printed score
// is that of the full vector: the library's full score must equal it, and
// ScoreCVSS must equal the score of the vector's base metrics alone.
func TestOfficialScores(t *testing.T) {
	b, err := os.ReadFile("testdata/cvss-official.json")
	if err != nil {
		t.Fatal(err)
	}
	var table []struct {
		Vector string  `json:"vector"`
		Score  float64 `json:"score"`
		Source string  `json:"source"`
	}
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	versions := map[string]int{}
	for _, tt := range table {
		c, err := ScoreCVSS(tt.Vector)
		if err != nil {
			t.Errorf("%s: %v", tt.Vector, err)
			continue
		}
		versions[c.Version]++
		if c.Version != "4.0" || !hasNonBase40(tt.Vector) {
			if c.Score != tt.Score {
				t.Errorf("%s (%s): score %.1f, official %.1f", tt.Vector, tt.Source, c.Score, tt.Score)
			}
			if c.Level != levelOf(c.Version, tt.Score) {
				t.Errorf("%s: level %v", tt.Vector, c.Level)
			}
			continue
		}
		full, err := gocvss40.ParseVector(tt.Vector)
		if err != nil {
			t.Fatal(err)
		}
		if s := full.Score(); s != tt.Score {
			t.Errorf("%s: full score %.1f, official %.1f", tt.Vector, s, tt.Score)
		}
		base, err := ScoreCVSS(strings.Join(strings.Split(tt.Vector, "/")[:12], "/"))
		if err != nil || base.Score != c.Score {
			t.Errorf("%s: base score %.1f, of the base metrics alone %.1f (%v)", tt.Vector, c.Score, base.Score, err)
		}
	}
	if versions["2.0"] == 0 || versions["3.0"] == 0 || versions["3.1"] == 0 || versions["4.0"] == 0 {
		t.Errorf("versions covered: %v", versions)
	}
}

func hasNonBase40(vector string) bool {
	for _, m := range strings.Split(vector, "/")[12:] {
		name, _, _ := strings.Cut(m, ":")
		for _, nb := range nonBase40 {
			if name == nb {
				return true
			}
		}
	}
	return false
}

func TestLevelBoundaries(t *testing.T) {
	tests := []struct {
		version string
		score   float64
		want    Level
	}{
		{"3.1", 0, Negligible}, {"3.1", 0.1, Low}, {"3.1", 3.9, Low}, {"3.1", 4.0, Medium},
		{"3.1", 6.9, Medium}, {"3.1", 7.0, High}, {"3.1", 8.9, High}, {"3.1", 9.0, Critical},
		{"4.0", 10, Critical}, {"4.0", 0, Negligible},
		{"2.0", 0, Low}, {"2.0", 3.9, Low}, {"2.0", 4.0, Medium}, {"2.0", 6.9, Medium}, {"2.0", 7.0, High}, {"2.0", 10, High},
	}
	for _, tt := range tests {
		if got := levelOf(tt.version, tt.score); got != tt.want {
			t.Errorf("levelOf(%s, %.1f) = %v, want %v", tt.version, tt.score, got, tt.want)
		}
	}
}

func TestScoreCVSSRejects(t *testing.T) {
	for _, v := range []string{
		"", "CVSS:3.1/", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", // missing A
		"CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:Z",
		"AV:N/AC:L/Au:N/C:N/I:N/A:Q",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/" + strings.Repeat("X", 600),
		"moderate",
	} {
		if c, err := ScoreCVSS(v); !errors.Is(err, ErrVector) {
			t.Errorf("ScoreCVSS(%q) = %+v, %v", v, c, err)
		}
	}
}

func loadRecord(t *testing.T, name string) *osv.Vulnerability {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/records", name))
	if err != nil {
		t.Fatal(err)
	}
	v := new(osv.Vulnerability)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
	return v
}

const cvssCritical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" // 9.8

// TestRatePrecedence rates real records from the shared OSV exports
// (testdata/records). No record there carries a distribution's own rating,
// so the cases for step 1 add one to a real record, in the shape OSV
// defines (severity type "Ubuntu") or Debian's urgency word.
func TestRatePrecedence(t *testing.T) {
	tests := []struct {
		name   string
		record string
		edit   func(v *osv.Vulnerability)
		level  Level
		score  float64
		source string // prefix
	}{
		{"GitLab npm: CVSS v3.1 vector; UNKNOWN word does not decide", "GLAD-000ce9bd-fa5b-4a52-9962-64fb4290f446.json", nil,
			Medium, 5.3, "CVSS v3.1 vector (osv record GLAD-000ce9bd"},
		{"GitLab Maven: CVSS v3.0", "GLAD-000d8444-7aa9-4336-a3bf-6085d161eb55.json", nil,
			Critical, 9.8, "CVSS v3.0 vector (osv record GLAD-000d8444"},
		{"PyPI: CVSS v3.0", "PYSEC-2017-105.json", nil, High, 7.5, "CVSS v3.0 vector (osv record PYSEC-2017-105)"},
		{"RustSec: CVSS v3.0", "RUSTSEC-2016-0001.json", nil, High, 8.1, "CVSS v3.0 vector (osv record RUSTSEC-2016-0001)"},
		{"GitLab npm without a vector: UNKNOWN", "GLAD-00b385df-9ed6-4479-8d9f-0f00c3b06b43.json", nil, Unknown, 0, "none"},
		{"Go: no rating", "GO-2020-0001.json", nil, Unknown, 0, "none"},
		{"Debian: no rating", "DEBIAN-OVAL-CVE-1999-0199-glibc.json", nil, Unknown, 0, "none"},
		{"Alpine: no rating", "ALPINE-CVE-2021-3711.json", nil, Unknown, 0, "none"},
		{"severity word decides without a vector", "GLAD-00b385df-9ed6-4479-8d9f-0f00c3b06b43.json",
			func(v *osv.Vulnerability) {
				v.DatabaseSpecific = json.RawMessage(strings.Replace(string(v.DatabaseSpecific), `"UNKNOWN"`, `"MODERATE"`, 1))
			}, Medium, 0, `severity word "MODERATE"`},
		{"a vector beats a severity word", "GLAD-000ce9bd-fa5b-4a52-9962-64fb4290f446.json",
			func(v *osv.Vulnerability) {
				v.DatabaseSpecific = json.RawMessage(strings.Replace(string(v.DatabaseSpecific), `"UNKNOWN"`, `"CRITICAL"`, 1))
			}, Medium, 5.3, "CVSS v3.1 vector"},
		{"Debian urgency beats a critical vector", "DEBIAN-OVAL-CVE-1999-0199-glibc.json",
			func(v *osv.Vulnerability) {
				v.Affected[0].DatabaseSpecific = json.RawMessage(`{"urgency":"unimportant"}`)
				v.Severity = []osv.Severity{{Type: "CVSS_V3", Score: cvssCritical}}
			}, Negligible, 0, `Debian (affected database_specific.urgency "unimportant"`},
		{"Ubuntu severity type beats a critical vector", "DEBIAN-OVAL-CVE-1999-0199-glibc.json",
			func(v *osv.Vulnerability) {
				v.Affected[0].Package.Ecosystem = "Ubuntu:22.04:LTS"
				v.Severity = []osv.Severity{{Type: "CVSS_V3", Score: cvssCritical}, {Type: "Ubuntu", Score: "medium"}}
			}, Medium, 0, `Ubuntu (record severity type Ubuntu "medium"`},
		{"an unusable distribution word falls through to CVSS", "ALPINE-CVE-2021-3711.json",
			func(v *osv.Vulnerability) {
				v.DatabaseSpecific = json.RawMessage(`{"severity":"not yet assigned"}`)
				v.Affected[0].Severity = []osv.Severity{{Type: "CVSS_V3", Score: cvssCritical}}
			}, Critical, 9.8, "CVSS v3.1 vector (affected Alpine:edge/openssl"},
		{"a non-distribution ignores a Ubuntu severity", "PYSEC-2017-105.json",
			func(v *osv.Vulnerability) {
				v.Severity = append(v.Severity, osv.Severity{Type: "Ubuntu", Score: "negligible"})
			}, High, 7.5, "CVSS v3.0 vector"},
		{"v4.0 beats v3.x in the same list", "RUSTSEC-2024-0445.json",
			func(v *osv.Vulnerability) {
				v.Severity = append([]osv.Severity{{Type: "CVSS_V3", Score: cvssCritical}}, v.Severity...)
			}, Low, 0, "CVSS v4.0 vector (osv record RUSTSEC-2024-0445)"},
		{"the affected entry's vector beats the record's", "PYSEC-2017-105.json",
			func(v *osv.Vulnerability) {
				v.Affected[0].Severity = []osv.Severity{{Type: "CVSS_V2", Score: "AV:N/AC:L/Au:N/C:C/I:C/A:C"}}
			}, High, 10.0, "CVSS v2.0 vector (affected PyPI/apache-atlas"},
		{"an invalid vector falls through", "PYSEC-2017-105.json",
			func(v *osv.Vulnerability) {
				v.Affected[0].Severity = []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/bogus"}}
			}, High, 7.5, "CVSS v3.0 vector (osv record PYSEC-2017-105)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := loadRecord(t, tt.record)
			if tt.edit != nil {
				tt.edit(v)
			}
			r := Rate(v, &v.Affected[0])
			if r.Level != tt.level || !strings.HasPrefix(r.Source, tt.source) || r.Reason == "" {
				t.Fatalf("Rate = %+v; want level %v, source %q...", r, tt.level, tt.source)
			}
			if tt.score != 0 && r.Score != tt.score {
				t.Fatalf("score %.1f, want %.1f", r.Score, tt.score)
			}
			if strings.HasPrefix(r.Source, "CVSS") && r.Vector == "" {
				t.Fatalf("no vector in %+v", r)
			}
		})
	}
}

// TestRateV4RealRecord: the record's only vector is v4.0; its rating is that
// vector's base score on the v4.0 scale (ScoreCVSS is checked against
// FIRST's examples by TestOfficialScores).
func TestRateV4RealRecord(t *testing.T) {
	v := loadRecord(t, "RUSTSEC-2024-0445.json")
	r := Rate(v, nil)
	c, err := ScoreCVSS(v.Severity[0].Score)
	if err != nil || r.Score != c.Score || r.Level != c.Level || r.Vector != v.Severity[0].Score || c.Version != "4.0" {
		t.Fatalf("Rate = %+v, ScoreCVSS = %+v, %v", r, c, err)
	}
}
