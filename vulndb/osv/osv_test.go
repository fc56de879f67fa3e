package osv

import (
	"archive/zip"
	"cmp"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/mod/semver"
)

// semverCmp compares SemVer versions with golang.org/x/mod/semver, which
// wants a "v" prefix that OSV versions do not carry.
func semverCmp(a, b string) (int, error) {
	va, vb := "v"+a, "v"+b
	for _, v := range [...]string{va, vb} {
		if !semver.IsValid(v) {
			return 0, errors.New("invalid semver " + v[1:])
		}
	}
	return semver.Compare(va, vb), nil
}

// mirrorRecord reads one real record from the committed mirror.
func mirrorRecord(t testing.TB, eco, file string) *Vulnerability {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join("..", "testdata", "mirror", eco, "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != file {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		v, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Fatalf("%s has no %s", eco, file)
	return nil
}

func TestDecodeAllMirrorRecords(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "mirror", "*", "all.zip"))
	if len(files) != 8 {
		t.Fatalf("want 8 ecosystems in the mirror, have %d", len(files))
	}
	n := 0
	for _, name := range files {
		zr, err := zip.OpenReader(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, _ := f.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if _, err := Decode(data); err != nil {
				t.Errorf("%s %s: %v", name, f.Name, err)
			}
			n++
		}
		zr.Close()
	}
	if n < 200 {
		t.Errorf("decoded %d records, want at least 200", n)
	}
}

func TestDecodeInvalid(t *testing.T) {
	for name, tc := range map[string]struct {
		json    string
		invalid bool // wraps ErrInvalid (else: a syntax error)
	}{
		"syntax":            {`{"id": "X",`, false},
		"wrong type":        {`{"id": 3}`, false},
		"no id":             {`{"modified":"2024-01-01T00:00:00Z"}`, true},
		"unknown range":     {`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}]}`, true},
		"no introduced":     {`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}`, true},
		"no events":         {`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[]}]}]}`, true},
		"two fields":        {`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}`, true},
		"empty event":       {`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{}]}]}]}`, true},
		"fixed and last":    {`{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"last_affected":"0.9.0"}]}]}]}`, true},
		"git without repo":  {`{"id":"X","affected":[{"ranges":[{"type":"GIT","events":[{"introduced":"abc"}]}]}]}`, true},
		"package unnamed":   {`{"id":"X","affected":[{"package":{"ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`, true},
		"bad modified time": {`{"id":"X","modified":"yesterday"}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(tc.json))
			if err == nil {
				t.Fatal("Decode accepted it")
			}
			if got := errors.Is(err, ErrInvalid); got != tc.invalid {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v, want %v", err, got, tc.invalid)
			}
		})
	}
	// A GIT-only affected entry needs no package; this one is valid.
	if _, err := Decode([]byte(`{"id":"X","affected":[{"ranges":[{"type":"GIT","repo":"https://example.org/r","events":[{"introduced":"abc"},{"limit":"def"}]}]}]}`)); err != nil {
		t.Errorf("GIT-only entry: %v", err)
	}
}

func affected(typ string, events ...Event) *Affected {
	return &Affected{Ranges: []Range{{Type: typ, Events: events}}}
}

func TestEvaluateSpecExamples(t *testing.T) {
	multi := affected(RangeSemver,
		Event{Introduced: "1.0.0"}, Event{Fixed: "1.0.2"},
		Event{Introduced: "3.0.0"}, Event{Fixed: "3.2.5"})
	unsorted := affected(RangeSemver, // the schema does not require sorted events
		Event{Fixed: "3.2.5"}, Event{Introduced: "3.0.0"},
		Event{Fixed: "1.0.2"}, Event{Introduced: "1.0.0"})
	last := affected(RangeEcosystem, Event{Introduced: "0"}, Event{LastAffected: "2.1.214"})
	limited := affected(RangeSemver, Event{Introduced: "1.0.0"}, Event{Limit: "2.0.0"})
	star := affected(RangeSemver, Event{Introduced: "1.0.0"}, Event{Limit: "*"})
	all := affected(RangeSemver, Event{Introduced: "0"})
	for _, tc := range []struct {
		a       *Affected
		version string
		want    *Result // nil: not affected
	}{
		{all, "0.0.1", &Result{Type: RangeSemver, Introduced: "0"}},
		{multi, "0.9.0", nil},
		{multi, "1.0.0", &Result{Type: RangeSemver, Introduced: "1.0.0", Fixed: "1.0.2"}},
		{multi, "1.0.2", nil},
		{multi, "2.0.0", nil},
		{multi, "3.2.4", &Result{Type: RangeSemver, Introduced: "3.0.0", Fixed: "3.2.5"}},
		{multi, "3.2.5", nil},
		{unsorted, "3.2.4", &Result{Type: RangeSemver, Introduced: "3.0.0", Fixed: "3.2.5"}},
		{unsorted, "1.0.2", nil},
		{last, "2.1.214", &Result{Type: RangeEcosystem, Introduced: "0", LastAffected: "2.1.214"}},
		{last, "2.1.215", nil},
		{limited, "1.5.0", &Result{Type: RangeSemver, Introduced: "1.0.0", Limit: "2.0.0"}},
		{limited, "2.0.0", nil},
		{star, "9.0.0", &Result{Type: RangeSemver, Introduced: "1.0.0", Limit: "*"}},
	} {
		res, ok, err := tc.a.Evaluate(tc.version, semverCmp)
		if err != nil {
			t.Errorf("%v at %s: %v", tc.a.Ranges[0].Events, tc.version, err)
			continue
		}
		if ok != (tc.want != nil) || ok && res != *tc.want {
			t.Errorf("%v at %s: got %+v, %v; want %+v", tc.a.Ranges[0].Events, tc.version, res, ok, tc.want)
		}
	}
}

func TestEvaluateVersionsAndGit(t *testing.T) {
	a := &Affected{
		Ranges: []Range{
			{Type: RangeGit, Repo: "https://example.org/r", Events: []Event{{Introduced: "0"}}},
			{Type: RangeEcosystem, Events: []Event{{Introduced: "2.0"}, {Fixed: "2.1"}}},
		},
		Versions: []string{"1.0-odd"},
	}
	// Listed versions match by string equality, without the comparator.
	res, ok, err := a.Evaluate("1.0-odd", func(_, _ string) (int, error) { return 0, errors.New("not called") })
	if err != nil || !ok || res != (Result{Range: -1, Version: "1.0-odd"}) {
		t.Errorf("listed version: %+v %v %v", res, ok, err)
	}
	// The GIT range (every commit) is ignored: 1.5 is not affected.
	if _, ok, err := a.Evaluate("1.5.0", semverCmp); ok || err != nil {
		t.Errorf("GIT range matched a version: %v %v", ok, err)
	}
	res, ok, _ = a.Evaluate("2.0.5", semverCmp)
	if !ok || res.Range != 1 || res.Fixed != "2.1" {
		t.Errorf("2.0.5: %+v %v", res, ok)
	}
}

func TestEvaluateComparatorErrors(t *testing.T) {
	a := &Affected{Ranges: []Range{
		{Type: RangeEcosystem, Events: []Event{{Introduced: "not-a-version"}, {Fixed: "2.0.0"}}},
		{Type: RangeEcosystem, Events: []Event{{Introduced: "1.0.0"}, {Fixed: "1.5.0"}}},
	}}
	// A match in a range that compares wins over another range's error.
	if res, ok, err := a.Evaluate("1.2.0", semverCmp); !ok || err != nil || res.Range != 1 {
		t.Errorf("1.2.0: %+v %v %v", res, ok, err)
	}
	// No match and an error: the error is reported, never "unaffected".
	if _, ok, err := a.Evaluate("1.7.0", semverCmp); ok || err == nil {
		t.Errorf("1.7.0: %v %v, want an error", ok, err)
	}
	if _, ok, err := a.Evaluate("(devel)", semverCmp); ok || err == nil {
		t.Errorf("(devel): %v %v, want an error", ok, err)
	}
}

// Real records, evaluated with SemVer as their ecosystems define.
func TestEvaluateRealRecords(t *testing.T) {
	for _, tc := range []struct {
		eco, file, version string
		want               *Result
	}{
		// Go: introduced 0, fixed 0.3.3.
		{"Go", "GO-2020-0015.json", "0.3.2", &Result{Type: RangeSemver, Introduced: "0", Fixed: "0.3.3"}},
		{"Go", "GO-2020-0015.json", "0.3.3", nil},
		// Go: two intervals; 1.14.13 falls in the first, 1.15.6 in the second.
		{"Go", "GO-2021-0068.json", "1.14.13", &Result{Type: RangeSemver, Introduced: "0", Fixed: "1.14.14"}},
		{"Go", "GO-2021-0068.json", "1.15.6", &Result{Type: RangeSemver, Introduced: "1.15.0-0", Fixed: "1.15.7"}},
		{"Go", "GO-2021-0068.json", "1.14.14", nil},
		// crates.io: four intervals of smallvec.
		{"crates.io", "RUSTSEC-2018-0003.json", "0.4.4", &Result{Type: RangeSemver, Introduced: "0.4.0-0", Fixed: "0.4.5"}},
		{"crates.io", "RUSTSEC-2018-0003.json", "0.4.5", nil},
		{"crates.io", "RUSTSEC-2018-0003.json", "0.3.1", nil},
		// crates.io: no fix at all.
		{"crates.io", "RUSTSEC-2016-0003.json", "99.0.0", &Result{Type: RangeSemver, Introduced: "0.0.0-0"}},
		// npm: last_affected 3.0.1 is affected, 3.0.2 is not.
		{"npm", "GLAD-01f35b2f-9d0f-4ede-b329-7d9aa2b5cf0b.json", "3.0.1", &Result{Type: RangeEcosystem, Introduced: "0", LastAffected: "3.0.1"}},
		{"npm", "GLAD-01f35b2f-9d0f-4ede-b329-7d9aa2b5cf0b.json", "3.0.2", nil},
	} {
		v := mirrorRecord(t, tc.eco, tc.file)
		res, ok, err := v.Affected[0].Evaluate(tc.version, semverCmp)
		if err != nil {
			t.Errorf("%s at %s: %v", tc.file, tc.version, err)
			continue
		}
		if ok != (tc.want != nil) || ok && res != *tc.want {
			t.Errorf("%s at %s: got %+v, %v; want %+v", tc.file, tc.version, res, ok, tc.want)
		}
	}
	// PyPI: listed versions match exactly (paramiko 1.7.1 is in the list).
	v := mirrorRecord(t, "PyPI", "PYSEC-2008-8.json")
	if res, ok, err := v.Affected[0].Evaluate("1.7.1", semverCmp); !ok || err != nil || res.Range != -1 {
		t.Errorf("PYSEC-2008-8 at 1.7.1: %+v %v %v", res, ok, err)
	}
}

// intCmp orders decimal integers; the fuzzer's versions.
func intCmp(a, b string) (int, error) {
	x, err := strconv.Atoi(a)
	if err != nil {
		return 0, err
	}
	y, err := strconv.Atoi(b)
	if err != nil {
		return 0, err
	}
	return cmp.Compare(x, y), nil
}

// TestEvaluateFixedZero: a real GitLab-derived npm record says introduced
// "0", fixed "0" (nothing affected); "0" is no SemVer version, yet the
// range must evaluate, to not affected, without an error.
func TestEvaluateFixedZero(t *testing.T) {
	a := &Affected{Ranges: []Range{{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "0"}}}}}
	strict := semverCmp
	for _, v := range []string{"6.5.1", "0.0.1"} {
		if _, ok, err := a.Evaluate(v, strict); ok || err != nil {
			t.Errorf("Evaluate(%s) = %v, %v; want not affected, no error", v, ok, err)
		}
	}
}
