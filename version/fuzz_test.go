package version

import (
	"errors"
	"testing"
)

// fuzzComparer checks that c never panics, is reflexive on valid versions,
// antisymmetric, and refuses only with ErrInvalid.
func fuzzComparer(f *testing.F, c Comparer, seeds ...string) {
	for _, a := range seeds {
		for _, b := range seeds {
			f.Add(a, b)
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, errAB := c.Compare(a, b)
		ba, errBA := c.Compare(b, a)
		if (errAB == nil) != (errBA == nil) {
			t.Fatalf("Compare(%q, %q) err = %v but Compare(%q, %q) err = %v", a, b, errAB, b, a, errBA)
		}
		if errAB != nil {
			if !errors.Is(errAB, ErrInvalid) {
				t.Fatalf("Compare(%q, %q): %v does not wrap ErrInvalid", a, b, errAB)
			}
			return
		}
		if ab != -ba {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		for _, v := range []string{a, b} {
			if r, err := c.Compare(v, v); r != 0 || err != nil {
				t.Fatalf("Compare(%q, %q) = %d, %v; want 0", v, v, r, err)
			}
		}
	})
}

func FuzzDpkg(f *testing.F) {
	fuzzComparer(f, dpkg, "1.0", "1:2.3~rc1-4+deb12u1", "1.0-", "0:1.0a~b", "2.36-9+deb12u4")
}

func FuzzApk(f *testing.F) {
	fuzzComparer(f, apk, "1.0", "1.0_alpha1", "1.1.1a-r0", "2.0_git20200101-r3", "1.0_p1-r10")
}

func FuzzRpm(f *testing.F) {
	fuzzComparer(f, rpm, "1.0", "1:1.0~rc1-1.el9", "1.0^git1", "2:8.2.2637-20.el9_1", "a")
}

var semverSeeds = []string{"1.0.0", "v1.2.3-alpha.1+build", "0.0.0-20200101000000-abcdefabcdef", "2.0.0+incompatible", "1.0"}

func FuzzGo(f *testing.F) { fuzzComparer(f, goSemver, semverSeeds...) }

func FuzzNpm(f *testing.F) { fuzzComparer(f, npmSemver, semverSeeds...) }

func FuzzCrates(f *testing.F) { fuzzComparer(f, cargoSemver, semverSeeds...) }

func FuzzPEP440(f *testing.F) {
	fuzzComparer(f, pep440, "1.0", "1!2.0rc1.post2.dev3+local.7", "1.0-1", "v1.0a1", "1.0.dev0")
}

func FuzzMaven(f *testing.F) {
	fuzzComparer(f, maven, "1.0", "1.0-SNAPSHOT", "2.0.0.Final", "1-sp-1", "1.0-alpha-1.foo_bar")
}

func FuzzRubyGems(f *testing.F) {
	fuzzComparer(f, rubygems, "1.0", "1.0.a.2", "1.0-1", "2.0.0.rc1", "1.0.0")
}

func FuzzNuGet(f *testing.F) {
	fuzzComparer(f, nuget, "1.0", "1.0.0.1", "1.0.1-rc.10+git", "1.0.0-Beta", "1.2.3.4-alpha")
}

func FuzzComposer(f *testing.F) {
	fuzzComparer(f, composer, "1.0", "v1.0.0-beta1-dev", "1.0.0-RC1", "1.0.0-p1", "1.0.0+build")
}
