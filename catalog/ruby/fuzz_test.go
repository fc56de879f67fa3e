package ruby

import (
	"testing"
	"unicode/utf8"
)

// The committed corpora (testdata/fuzz/Fuzz*) hold real specifications
// and lock files of testdata and hostile cases.

func FuzzGemspec(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, problems := ParseGemspec(data)
		if len(problems) > len(attributes) {
			t.Fatalf("%d problems for %d attributes", len(problems), len(attributes))
		}
		if len(spec.Licenses) > maxLicenses {
			t.Fatalf("%d licenses", len(spec.Licenses))
		}
		for _, s := range append([]string{spec.Name, spec.Version, spec.Platform}, spec.Licenses...) {
			if len(s) > maxLiteral+utf8.UTFMax {
				t.Fatalf("%d-byte value past the %d-byte cap", len(s), maxLiteral)
			}
		}
		if spec.Platform == "ruby" {
			t.Fatal(`platform "ruby" is not normalized to ""`)
		}
	})
}

func FuzzGemfileLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		locked, problems := ParseGemfileLock(data)
		if len(problems) > maxProblems {
			t.Fatalf("%d problems", len(problems))
		}
		for _, l := range locked {
			if !validName(l.Name) || !validVersion(l.Version) || !validPlatform(l.Platform) || !sources[l.Source] {
				t.Fatalf("invalid %+v", l)
			}
			if l.PURL() == "" {
				t.Fatalf("no PURL for %+v", l)
			}
		}
	})
}
