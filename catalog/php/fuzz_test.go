package php

import "testing"

// The committed corpora (testdata/fuzz/Fuzz*) hold the real files of
// testdata and hostile cases.

func checkRecords(t *testing.T, recs []Record, problems []string, err error) {
	if err != nil && (recs != nil || problems != nil) {
		t.Fatal("records or problems with an error")
	}
	if len(problems) > maxProblems {
		t.Fatalf("%d problems", len(problems))
	}
	for _, r := range recs {
		if !validName(r.Name) || !validVersion(r.Version) || len(r.Licenses) > maxLicenses {
			t.Fatalf("invalid %+v", r)
		}
		if PURL(r.Name, r.Version) == "" {
			t.Fatalf("no PURL for %+v", r)
		}
	}
}

func FuzzInstalledJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, problems, err := ParseInstalledJSON(data)
		checkRecords(t, recs, problems, err)
	})
}

func FuzzComposerLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, problems, err := ParseComposerLock(data)
		checkRecords(t, recs, problems, err)
	})
}
