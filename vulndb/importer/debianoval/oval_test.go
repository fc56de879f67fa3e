package debianoval

import (
	"archive/zip"
	"compress/bzip2"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

const (
	sharedOVAL = "/work/shared/vulndata/raw/debian-oval-bookworm.xml.bz2"
	sharedZip  = "/work/shared/vulndata/osv/Debian/all.zip"
)

// rawJSON compares database_specific by content, not by bytes.
var rawJSON = cmp.Transformer("rawJSON", func(m json.RawMessage) any {
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		return string(m)
	}
	return v
})

func readAll(t *testing.T, r io.Reader) ([]*osv.Vulnerability, Stats) {
	t.Helper()
	var got []*osv.Vulnerability
	st, err := Read(context.Background(), r, func(v *osv.Vulnerability) error {
		got = append(got, v)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return got, st
}

// TestCutMatchesOSVExport reads the committed cut of the real OVAL file and
// compares every record with the shared OSV export's record of the same id.
func TestCutMatchesOSVExport(t *testing.T) {
	f, err := os.Open("testdata/bookworm-cut.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, st := readAll(t, f)

	files, err := filepath.Glob("testdata/osv/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no committed OSV records: %v", err)
	}
	want := map[string]*osv.Vulnerability{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		v := new(osv.Vulnerability)
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want[v.ID] = v
	}
	if len(got) != len(want) {
		t.Errorf("got %d records, the export has %d", len(got), len(want))
	}
	for _, v := range got {
		w, ok := want[v.ID]
		if !ok {
			t.Errorf("%s: not in the export", v.ID)
			continue
		}
		if d := cmp.Diff(w, v, rawJSON); d != "" {
			t.Errorf("%s (-export +ours):\n%s", v.ID, d)
		}
	}
	wantStats := Stats{Definitions: 70, Records: 69, Unfixed: 2, Skipped: 1}
	if st != wantStats {
		t.Errorf("stats = %+v, want %+v", st, wantStats)
	}
}

// TestFullFileMatchesOSVExport imports the whole real OVAL file and compares
// the (CVE, package, fixed version) triples with the whole shared export.
// It needs the shared data set (/work/shared/vulndata).
func TestFullFileMatchesOSVExport(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the full 51 MB OVAL file")
	}
	if _, err := os.Stat(sharedOVAL); errors.Is(err, os.ErrNotExist) {
		t.Skipf("extended check skipped: %s is absent (the shared real data set); the committed cut is tested by TestCutMatchesOSVExport", sharedOVAL)
	}
	want := exportTriples(t)

	f, err := os.Open(sharedOVAL)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	got := map[string]string{}
	st, err := Read(context.Background(), bzip2.NewReader(f), func(v *osv.Vulnerability) error {
		got[tripleKey(v)] = fixedOf(v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v in %v", st, time.Since(start))

	same := 0
	for k, fixed := range got {
		if w, ok := want[k]; !ok {
			t.Errorf("%s: not in the export", k)
		} else if w != fixed {
			t.Errorf("%s: fixed %q, export %q", k, fixed, w)
		} else {
			same++
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("%s: in the export, not produced", k)
		}
	}
	t.Logf("%d of %d export records agree (%.2f%%)", same, len(want), 100*float64(same)/float64(len(want)))
}

func exportTriples(t *testing.T) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(sharedZip)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		v := new(osv.Vulnerability)
		err = json.NewDecoder(rc).Decode(v)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		out[tripleKey(v)] = fixedOf(v)
	}
	return out
}

func tripleKey(v *osv.Vulnerability) string {
	return strings.Join(v.Aliases, ",") + " " + v.Affected[0].Package.Ecosystem + "/" + v.Affected[0].Package.Name
}

func fixedOf(v *osv.Vulnerability) string {
	for _, e := range v.Affected[0].Ranges[0].Events {
		if e.Fixed != "" {
			return e.Fixed
		}
	}
	return "(unfixed)"
}

func TestHostileInput(t *testing.T) {
	tests := []struct {
		name, doc string
		want      error
	}{
		{"not OVAL", `<html><body/></html>`, ErrNotOVAL},
		{"empty", ``, ErrNotOVAL},
		{"two roots", `<oval_definitions/><oval_definitions/>`, ErrNotOVAL},
		{"entity bomb", `<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
			`<oval_definitions><definitions><definition class="vulnerability"><metadata><description>&b;</description></metadata></definition></definitions></oval_definitions>`, nil},
		{"nesting bomb", `<oval_definitions>` + strings.Repeat("<x>", 100000), ErrTooDeep},
		{"nested criteria", `<oval_definitions><definitions><definition class="vulnerability"><metadata><reference source="CVE" ref_id="CVE-1"/></metadata>` +
			strings.Repeat("<criteria>", 20000) + strings.Repeat("</criteria>", 20000) + `</definition></definitions></oval_definitions>`, nil},
		{"huge definition", `<oval_definitions><definitions><definition class="vulnerability"><metadata><description>` +
			strings.Repeat("a", 5<<20) + `</description></metadata></definition></definitions></oval_definitions>`, ErrElementTooLarge},
		{"huge text", `<oval_definitions>` + strings.Repeat("a", 5<<20) + `</oval_definitions>`, ErrElementTooLarge},
		{"truncated", `<oval_definitions><definitions><definition class="vulnerability">`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(context.Background(), strings.NewReader(tt.doc), func(*osv.Vulnerability) error { return nil })
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEmitErrorStops(t *testing.T) {
	f, err := os.Open("testdata/bookworm-cut.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := errors.New("stop")
	n := 0
	st, err := Read(context.Background(), f, func(*osv.Vulnerability) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 || st.Records != 2 {
		t.Fatalf("err %v after %d calls, stats %+v", err, n, st)
	}
}

func TestCanceled(t *testing.T) {
	f, err := os.Open("testdata/bookworm-cut.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, f, func(*osv.Vulnerability) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
