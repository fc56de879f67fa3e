package version

import (
	"errors"
	"strings"

	rpmversion "github.com/knqyf263/go-rpm-version"
)

// rpm compares [epoch:]version[-release] strings with go-rpm-version, a
// port of rpm's rpmvercmp (tilde and caret included).
var rpm = comparer[rpmversion.Version]{
	name:  "rpm",
	parse: parseRpm,
	cmp:   func(a, b rpmversion.Version) int { return a.Compare(b) },
}

// parseRpm refuses what no package's EVR holds, though rpm.vercmp orders
// any string: control characters, spaces, non-ASCII bytes, and a second
// '-' (rpmbuild refuses '-' inside Version and Release; rpm splits the
// release off at the last '-', go-rpm-version at the first).
func parseRpm(s string) (rpmversion.Version, error) {
	if strings.Count(s, "-") > 1 {
		return rpmversion.Version{}, errors.New("more than one '-'")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return rpmversion.Version{}, errors.New("space, control or non-ASCII byte")
		}
	}
	return rpmversion.NewVersion(s), nil
}
