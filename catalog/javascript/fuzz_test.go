package javascript

import (
	"testing"
)

// checkRecords is what every parser promises: records that look like npm
// packages.
func checkRecords(t *testing.T, recs []record) {
	t.Helper()
	for _, r := range recs {
		if !validName(r.Name) || !validVersion(r.Version) {
			t.Fatalf("invalid record %+v", r)
		}
	}
}

func FuzzPackageJSON(f *testing.F) {
	f.Add(readTestdata(f, "project/node_modules/@babel/parser/package.json"))
	f.Add(readTestdata(f, "project/node_modules/express/package.json"))
	f.Add([]byte(`{"name":"a","version":"1","licenses":[{"type":"MIT"},"ISC"],"license":{"type":"BSD"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, ok, err := parsePackageJSON(data)
		if ok {
			if err != nil {
				t.Fatalf("ok with error %v", err)
			}
			checkRecords(t, []record{r})
		}
	})
}

func FuzzPackageLock(f *testing.F) {
	for _, name := range []string{"package-lock.v1.json", "package-lock.v2.json", "package-lock.v3.json"} {
		f.Add(readTestdata(f, "project/"+name))
	}
	f.Add(deepV1(300))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _, err := parsePackageLock(data, 64)
		if err != nil && len(recs) > 0 {
			t.Fatal("records with an error")
		}
		checkRecords(t, recs)
	})
}

func FuzzYarnLock(f *testing.F) {
	f.Add(readTestdata(f, "project/yarn.v1.lock"))
	f.Add(readTestdata(f, "project/yarn.berry.lock"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, problems, err := parseYarnLock(data)
		if err != nil {
			t.Fatal(err) // the line parser never gives up on a file
		}
		if len(problems) > maxProblems+1 {
			t.Fatalf("%d problems", len(problems))
		}
		checkRecords(t, recs)
	})
}

func FuzzPnpmLock(f *testing.F) {
	for _, name := range []string{"pnpm-lock.v7.yaml", "pnpm-lock.v8.yaml", "pnpm-lock.v9.yaml"} {
		f.Add(readTestdata(f, "project/"+name))
	}
	f.Add(billionLaughs())
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, problems, err := parsePnpmLock(data, 100_000)
		if err != nil && len(recs) > 0 {
			t.Fatal("records with an error")
		}
		if len(problems) > 2*maxProblems+2 {
			t.Fatalf("%d problems", len(problems))
		}
		checkRecords(t, recs)
	})
}
