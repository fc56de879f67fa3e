package version

import (
	"strings"
	"testing"
)

// BenchmarkCompare compares the real version pairs of each ecosystem's
// committed corpus in turn; ns/op is the cost of one comparison, parsing
// both versions included.
func BenchmarkCompare(b *testing.B) {
	for _, c := range []struct {
		name string
		c    Comparer
		file string
	}{
		{"dpkg", dpkg, "dpkg.txt"}, {"apk", apk, "apk.txt"}, {"rpm", rpm, "rpm.txt"},
		{"PyPI", pep440, "pypi.txt"}, {"Maven", maven, "maven.txt"}, {"RubyGems", rubygems, "rubygems.txt"},
		{"Packagist", composer, "packagist.txt"},
	} {
		b.Run(c.name, func(b *testing.B) { benchPairs(b, c.c, corpusPairs(b, c.file)) })
	}
	semver := [][2]string{{"1.2.3", "1.2.4"}, {"1.0.0-alpha.1", "1.0.0-alpha.beta"}, {"0.0.0-20200101000000-abcdefabcdef", "0.1.0"}}
	b.Run("Go", func(b *testing.B) { benchPairs(b, goSemver, semver) })
	b.Run("npm", func(b *testing.B) { benchPairs(b, npmSemver, semver) })
	b.Run("NuGet", func(b *testing.B) {
		benchPairs(b, nuget, [][2]string{{"1.2.3", "1.2.4"}, {"1.0.1-rc.2", "1.0.1-rc.10"}, {"4.7.0.1", "4.7"}})
	})
}

// corpusPairs returns the valid pairs of a testdata corpus.
func corpusPairs(b *testing.B, file string) [][2]string {
	var pairs [][2]string
	for _, l := range readTriples(b, file) {
		if l[2] == "invalid" {
			continue
		}
		if len(l[1]) == 1 && strings.Contains("<=>", l[1]) {
			l[1], l[2] = l[2], l[1]
		}
		pairs = append(pairs, [2]string{l[0], l[1]})
	}
	return pairs
}

func benchPairs(b *testing.B, c Comparer, pairs [][2]string) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		if _, err := c.Compare(p[0], p[1]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
