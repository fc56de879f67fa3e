package license

import (
	"flag"
	"slices"
	"testing"
)

// This package has no golden files; the flag is accepted so that
// "go test ./sbom/... -update" works.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		in       string
		wantKind Kind
		want     string
	}{
		{"MIT", ID, "MIT"},
		{"mit", ID, "MIT"},
		{" Apache-2.0 ", ID, "Apache-2.0"},
		{"gpl-2.0-or-later", ID, "GPL-2.0-or-later"},
		{"GPL-2.0+", ID, "GPL-2.0+"}, // deprecated, still on the list
		{"GPL-2+", Name, "GPL-2+"},   // Debian's spelling, not SPDX
		{"public-domain", Name, "public-domain"},
		{"BSD-3-clause and GPL", Name, "BSD-3-clause and GPL"},
		{"MIT OR Apache-2.0", Expression, "MIT OR Apache-2.0"},
		{"GPL-3.0-or-later WITH GCC-exception-3.1", Expression, "GPL-3.0-or-later WITH GCC-exception-3.1"},
		{"(MIT AND BSD-2-Clause) OR Apache-2.0", Expression, "(MIT AND BSD-2-Clause) OR Apache-2.0"},
		{"LicenseRef-foo", Name, "LicenseRef-foo"},
		{"MIT OR LicenseRef-foo", Name, "MIT OR LicenseRef-foo"},
		{"MIT OR", Name, "MIT OR"},
		{"", Name, ""},
		{"https://example.com/LICENSE", Name, "https://example.com/LICENSE"},
	} {
		kind, got := Classify(tc.in)
		if kind != tc.wantKind || got != tc.want {
			t.Errorf("Classify(%q) = %v %q, want %v %q", tc.in, kind, got, tc.wantKind, tc.want)
		}
	}
}

func TestJoinSplit(t *testing.T) {
	for _, tc := range []struct {
		parts  []string
		joined string
	}{
		{[]string{"MIT"}, "MIT"},
		{[]string{"MIT", "Apache-2.0"}, "MIT AND Apache-2.0"},
		{[]string{"MIT OR Apache-2.0", "BSD-3-Clause"}, "(MIT OR Apache-2.0) AND BSD-3-Clause"},
		{[]string{"GPL-2.0-only WITH Classpath-exception-2.0", "(MIT AND Zlib) OR X11"}, "GPL-2.0-only WITH Classpath-exception-2.0 AND ((MIT AND Zlib) OR X11)"},
	} {
		if got := Join(tc.parts); got != tc.joined {
			t.Errorf("Join(%q) = %q, want %q", tc.parts, got, tc.joined)
		}
		if got := Split(tc.joined); !slices.Equal(got, tc.parts) {
			t.Errorf("Split(%q) = %q, want %q", tc.joined, got, tc.parts)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  MIT  ", []string{"MIT"}},
		{"(MIT OR X11)", []string{"(MIT OR X11)"}},
		{"MIT and Zlib", []string{"MIT and Zlib"}},
		{"MIT AND Zlib", []string{"MIT", "Zlib"}},
		{"MIT AND(Zlib OR X11)", []string{"MIT", "Zlib OR X11"}},
		{"MIT AND (Zlib", []string{"MIT AND (Zlib"}},
		{"MIT) AND (Zlib", []string{"MIT) AND (Zlib"}},
		{"BRANDAND X", []string{"BRANDAND X"}},
		{"MIT AND  AND X", []string{"MIT", "X"}},
	} {
		if got := Split(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"MIT", "GPL-2+", "MIT OR Apache-2.0", "(A AND B) OR C WITH D", "GPL-2.0+ WITH Classpath-exception-2.0", "((((MIT))))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, norm := Classify(s)
		if kind != Name {
			// A normalised identifier or expression is stable.
			k2, n2 := Classify(norm)
			if k2 != kind || n2 != norm {
				t.Errorf("Classify(%q) = %v %q but Classify(%q) = %v %q", s, kind, norm, norm, k2, n2)
			}
		}
		parts := Split(s)
		for _, p := range parts {
			if p == "" {
				t.Errorf("Split(%q) has an empty part", s)
			}
		}
		_ = Join(parts)
	})
}
