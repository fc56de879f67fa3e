package python

import (
	"strings"
	"testing"
)

// The committed corpora (testdata/fuzz/Fuzz*) hold the real samples of
// testdata and the hostile cases.

func FuzzMetadata(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		md, cut := ParseMetadata(data, 4096)
		header := len(data)
		if end := headerEnd(data); end >= 0 {
			header = end
		}
		if !cut && header > 4096 {
			t.Fatal("headers over the cap, not cut")
		}
		for _, s := range []string{md.Name, md.Version, md.LicenseExpression} {
			if len(s) > 4096 {
				t.Fatalf("%d-byte header value past a 4096-byte cap", len(s))
			}
		}
		for _, l := range md.Licenses() {
			if l == "" {
				t.Fatal("empty license")
			}
		}
		if n := Normalize(md.Name); strings.ContainsAny(n, "_.") || strings.Contains(n, "--") {
			t.Fatalf("Normalize(%q) = %q", md.Name, n)
		}
	})
}

func FuzzRequirements(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, includes, problems := ParseRequirements(data)
		if len(problems) > maxProblems {
			t.Fatalf("%d problems", len(problems))
		}
		for _, r := range reqs {
			if !validName(r.Name) || r.Version == "" || strings.ContainsAny(r.Version, " \t*,<>=!~;") {
				t.Fatalf("bad requirement %+v", r)
			}
		}
		for _, inc := range includes {
			if strings.ContainsAny(inc, " \t\n") {
				t.Fatalf("include %q", inc)
			}
		}
	})
}

func checkLocked(t *testing.T, locked []Locked, err error) {
	if err != nil && locked != nil {
		t.Fatal("packages and an error")
	}
	for _, l := range locked {
		if l.Name == "" || l.Version == "" {
			t.Fatalf("incomplete %+v", l)
		}
	}
}

func FuzzPoetryLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParsePoetryLock(data)
		checkLocked(t, l, err)
		u, err := ParseUVLock(data) // the same TOML decoder, another shape
		checkLocked(t, u, err)
	})
}

func FuzzPipfileLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParsePipfileLock(data)
		checkLocked(t, l, err)
	})
}
