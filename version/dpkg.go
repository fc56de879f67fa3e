package version

import (
	"cmp"
	"errors"
	"strconv"
	"strings"
)

// dpkg compares Debian and Ubuntu versions ([epoch:]upstream[-revision]).
//
// Hand-rolled rather than go-deb-version: that library accepts what dpkg
// refuses (an empty revision "1.0-", '_', non-ASCII letters) and spends
// 5-8 µs and 14 allocations per comparison on regular expressions and
// reflect.DeepEqual, too slow for matching thousands of packages against
// their advisories. This is dpkg's own parseversion and verrevcmp
// (lib/dpkg/parsehelp.c, lib/dpkg/version.c), checked against
// `dpkg --compare-versions` on the committed corpus testdata/dpkg.txt.
var dpkg = comparer[debVersion]{name: "dpkg", parse: parseDpkg, cmp: compareDpkg}

type debVersion struct {
	epoch              int64
	upstream, revision string
}

// parseDpkg refuses what dpkg reports as an error or a warning.
func parseDpkg(s string) (debVersion, error) {
	var v debVersion
	rest := s
	if epoch, after, ok := strings.Cut(s, ":"); ok {
		if !isDigits(epoch) {
			return v, errors.New("epoch is not a number")
		}
		n, err := strconv.ParseInt(epoch, 10, 32)
		if err != nil {
			return v, errors.New("epoch is too big")
		}
		v.epoch, rest = n, after
	}
	v.upstream = rest
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.upstream, v.revision = rest[:i], rest[i+1:]
		if v.revision == "" {
			return v, errors.New("revision is empty")
		}
	}
	if v.upstream == "" || !isDigit(v.upstream[0]) {
		return v, errors.New("upstream version does not start with a digit")
	}
	if !allIn(v.upstream, ".-+~:") {
		return v, errors.New("invalid character in upstream version")
	}
	if !allIn(v.revision, ".+~") {
		return v, errors.New("invalid character in revision")
	}
	return v, nil
}

func compareDpkg(a, b debVersion) int {
	if c := cmp.Compare(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := verrevcmp(a.upstream, b.upstream); c != 0 {
		return c
	}
	return verrevcmp(a.revision, b.revision)
}

// verrevcmp is dpkg's comparison of an upstream version or a revision:
// alternately a run of non-digits, compared byte by byte by dpkgOrder, and
// a run of digits, compared as a number.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := dpkgOrder(a, i), dpkgOrder(b, j)
			if ac != bc {
				return ac - bc
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return firstDiff
		}
	}
	return 0
}

// dpkgOrder weighs the byte at s[i]: '~' before the end of the string and
// digits, then letters, then every other byte.
func dpkgOrder(s string, i int) int {
	switch {
	case i >= len(s) || isDigit(s[i]):
		return 0
	case isASCIILetter(s[i]):
		return int(s[i])
	case s[i] == '~':
		return -1
	}
	return int(s[i]) + 256
}

// allIn reports whether s holds only ASCII letters, digits and bytes of
// extra.
func allIn(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isASCIILetter(c) && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
