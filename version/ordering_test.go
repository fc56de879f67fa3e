package version

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// An ordering lists versions from the oldest to the newest; versions joined
// by " = " in one entry are equal. Every pair of the list is checked.
type ordering struct {
	ecosystem string
	source    string
	versions  []string
}

var orderings = []ordering{
	{"PyPI", "PEP 440, \"Summary of permitted suffixes and relative ordering\"", []string{
		"1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
		"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
		"1.0rc1", "1.0 = 1.0.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
		"1.0.post456", "1.0.15", "1.1.dev1", "2.0", "1!0.1",
	}},
	{"PyPI", "PEP 440, \"Normalization\"", []string{
		"1.0a1 = 1.0alpha1 = 1.0-a1 = 1.0.a.1 = 1.0A1", "1.0b2 = 1.0beta2", "1.0rc1 = 1.0c1 = 1.0pre1 = 1.0preview1",
		"1.0 = v1.0 = 01.0", "1.0.post1 = 1.0-1 = 1.0.rev1 = 1.0r1 = 1.0post1",
	}},
	{"Maven", "Maven POM reference, \"Version Order Specification\" examples", []string{
		"1-snapshot", "1 = 1.ga = 1-ga = 1-0 = 1.0", "1-sp", "1.1",
	}},
	// The reference's "1.foo" = "1-foo" and "1-ga-1" = "1-1" are left out:
	// Maven's own tracker disputes them (MRESOLVER-334, maven-site PR 707)
	// and go-mvn-version orders both pairs as unequal.
	{"Maven", "Maven POM reference, \"Version Order Specification\" examples", []string{
		"1-foo", "1-1", "1.1",
	}},
	{"Maven", "Maven POM reference, \"Version Order Specification\" examples", []string{"1-foo2", "1-foo10"}},
	{"Maven", "Maven POM reference, \"Version Order Specification\" examples", []string{"1-ga.1", "1-sp.1"}},
	{"Maven", "Maven POM reference, \"Version Order Specification\" examples", []string{"1-sp-1", "1-1"}},
	{"Maven", "Maven POM reference: qualifier order and aliases", []string{
		"1-alpha1 = 1-a1 = 1-alpha-1", "1-beta1 = 1-b1", "1-milestone1 = 1-m1", "1-rc1 = 1-cr1",
		"1-SNAPSHOT", "1 = 1-final = 1-release = 1.0.0.Final", "1-sp1", "1-abc",
	}},
	{"RubyGems", "Gem::Version documentation: prereleases and trailing zeros", []string{
		"1.0.a = 1.0.a0", "1.0.a.2", "1.0.b1", "1.0.rc1", "1.0 = 1.0.0 = 1", "1.0.1", "1.1.a", "1.1",
	}},
	{"RubyGems", "Gem::Version documentation: '-' starts a prerelease", []string{"1.0-1 = 1.0.pre.1", "1.0"}},
	{"NuGet", "NuGet docs, \"Package versioning\": pre-release order", []string{
		"1.0.1-aaa", "1.0.1-alpha", "1.0.1-beta = 1.0.1-BETA", "1.0.1-open", "1.0.1-rc", "1.0.1-zzz", "1.0.1",
	}},
	{"NuGet", "NuGet docs, \"Package versioning\": normalization and SemVer 2.0.0", []string{
		"1.0 = 1.0.0 = 1.0.0.0 = 1.0.0+git.1", "1.0.0.1", "1.0.1-rc.2", "1.0.1-rc.10", "1.0.1-rc10", "1.0.1-rc2", "1.0.1",
	}},
	{"Packagist", "Composer docs, \"Stabilities\" (dev < alpha < beta < RC < stable < patch)", []string{
		"1.0.0-dev = 1.0-dev", "1.0.0-alpha1 = 1.0.0-a1", "1.0.0-alpha2", "1.0.0-a3", "1.0.0-beta1-dev",
		"1.0.0-beta1 = 1.0.0-b1 = 1.0.0beta1", "1.0.0-RC1 = 1.0.0-rc1", "1.0.0 = v1.0.0 = 1.0 = 1.0.0.0 = 1.0.0+build = 1.0.0-stable",
		"1.0.0-p1 = 1.0.0-patch1 = 1.0.0-pl1", "1.0.1", "1.10", "10.0",
	}},
	{"npm", "SemVer 2.0.0, item 11", []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0 = v1.0.0 = 1.0.0+build.5", "2.0.0", "2.1.0", "2.1.1",
	}},
	{"crates.io", "SemVer 2.0.0, item 11", []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0 = 1.0.0+build.5", "2.0.0",
	}},
	{"Go", "go.dev/ref/mod: pseudo-versions and +incompatible", []string{
		"v0.0.0-20200101000000-abcdefabcdef", "0.0.0 = v0.0.0", "v1.2.3", "v1.2.4-0.20200101000000-abcdefabcdef",
		"v1.2.4-pre", "1.2.4 = v1.2.4", "v2.0.0+incompatible = v2.0.0 = 2.0.0",
	}},
	{"Debian:12", "deb-version(7): tilde sorts before anything, epochs", []string{
		"1.0~~", "1.0~~a", "1.0~", "1.0 = 0:1.0 = 1.0-0", "1.0-1", "1.0a", "1.0+b1", "1.1", "1:0.1",
	}},
	{"Alpine:v3.20", "apk-package(5) / Alpine wiki APKBUILD reference: suffix order", []string{
		"1.0_alpha1", "1.0_beta1", "1.0_pre1", "1.0_rc1-r0", "1.0 = 1.0-r0", "1.0-r1", "1.0-r10",
		"1.0_cvs1", "1.0_svn1", "1.0_git20200101", "1.0_hg1", "1.0_p1", "1.0a", "1.1",
	}},
	{"Red Hat:enterprise_linux:9", "rpm.org docs: tilde and caret", []string{
		"1.0~rc1", "1.0", "1.0^git1", "1.0.1", "1:0.1",
	}},
}

func TestDocumentedOrderings(t *testing.T) {
	for _, o := range orderings {
		c, ok := For(o.ecosystem)
		if !ok {
			t.Fatalf("For(%q): unknown", o.ecosystem)
		}
		for i, gi := range o.versions {
			for j, gj := range o.versions {
				want := sign(i - j)
				for _, a := range strings.Split(gi, " = ") {
					for _, b := range strings.Split(gj, " = ") {
						if got, err := c.Compare(a, b); err != nil || got != want {
							t.Errorf("%s (%s): Compare(%q, %q) = %d, %v; want %d", o.ecosystem, o.source, a, b, got, err, want)
						}
					}
				}
			}
		}
	}
}

func TestInvalid(t *testing.T) {
	for eco, versions := range map[string][]string{
		"Debian":    {"", "a1", "1.0-", ":1.0", "x:1.0", "1.0_1", "1.0-a_b", "1.0é", "99999999999:1.0"},
		"Alpine":    {"", "junk", "1.0_foo1", "1.2.99999999999999999999-r0"},
		"Red Hat":   {"", "1.0 1", "1.0-1-1", "1.0\x00"},
		"Go":        {"", "1.2.3.4", "latest", "v1.2.3-"},
		"npm":       {"", "1.0", "01.0.0", "1.0.0-"},
		"crates.io": {"", "v1.0.0", "1.0"},
		"PyPI":      {"", "1.0-foo", "a.b"},
		"NuGet":     {"", "1.0.0.0.0", "v1.0", "1.x", "1.0beta"},
		"Packagist": {"", "dev-master", "1.0.x-dev", "1.0-foo"},
		"Maven":     {""},
		"RubyGems":  {"", "1.0 junk"},
	} {
		c, _ := For(eco)
		for _, v := range append(versions, strings.Repeat("1", MaxLen+1), strings.Repeat("1.", 10000)+"1", strings.Repeat("a", 1<<20)) {
			if _, err := c.Compare(v, "1"); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Compare(%.40q, \"1\"): err = %v; want ErrInvalid", eco, v, err)
			}
			if _, err := c.Compare("1", v); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Compare(\"1\", %.40q): err = %v; want ErrInvalid", eco, v, err)
			}
		}
	}
}

func TestFor(t *testing.T) {
	same := map[string]string{
		"Debian:12": "Debian", "Ubuntu:22.04:LTS": "Debian", "Alpine:v3.20": "Alpine",
		"Red Hat:enterprise_linux:9::appstream": "Red Hat", "Rocky Linux:9": "Red Hat", "AlmaLinux:9": "Red Hat",
		"openSUSE:Leap 15.5": "Red Hat", "SUSE:Linux Enterprise Server 15 SP5": "Red Hat",
	}
	for eco, base := range same {
		c, ok := For(eco)
		b, _ := For(base)
		if !ok || fmt.Sprintf("%T", c) != fmt.Sprintf("%T", b) {
			t.Errorf("For(%q) = %v, %v; want the comparer of %q", eco, c, ok, base)
		}
	}
	for _, eco := range []string{"", "Hex", "debian", "Pub", "CRAN"} {
		if c, ok := For(eco); ok {
			t.Errorf("For(%q) = %v, true; want unknown", eco, c)
		}
	}
}
