package dotnet

import "testing"

// The committed corpora (testdata/fuzz/Fuzz*) hold the fixtures of
// testdata and hostile cases.

func checkLibraries(t *testing.T, libs []Library, err error) {
	t.Helper()
	if err != nil && libs != nil {
		t.Fatal("libraries with an error")
	}
	seen := map[string]bool{}
	for _, l := range libs {
		k := Key(l.Name, l.Version)
		if !validField(l.Name) || (l.Version == "" && !l.Project) || seen[k] {
			t.Fatalf("invalid or duplicate library %+v", l)
		}
		seen[k] = true
		_ = PURL(l.Name, l.Version)
	}
}

func FuzzDepsJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		libs, _, err := ParseDepsJSON(data)
		checkLibraries(t, libs, err)
	})
}

func FuzzPackagesLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		libs, _, err := ParsePackagesLock(data)
		checkLibraries(t, libs, err)
	})
}
