// Package version compares package versions by the rules of each
// ecosystem named in OSV records: dpkg for Debian and Ubuntu, apk for
// Alpine, rpm for Red Hat, Rocky, Alma and SUSE, SemVer for Go, npm and
// crates.io, PEP 440 for PyPI, and the rules of Maven, RubyGems, NuGet and
// Composer (Packagist).
//
// Each comparer is a thin wrapper over the ecosystem's maintained Go
// library; the wrappers reject what the ecosystem itself rejects and fix
// around the libraries' known mistakes, each of which has a test.
package version

import (
	"errors"
	"fmt"
	"strings"
)

// MaxLen is the longest version string any comparer accepts. Real versions
// are far shorter (the longest version in the Debian OSV export has 62
// bytes); the bound keeps hostile input from costing the libraries,
// some of which are quadratic, more than microseconds.
const MaxLen = 256

// ErrInvalid is wrapped by every error for a version that is not valid in
// the comparer's ecosystem.
var ErrInvalid = errors.New("invalid version")

// Comparer compares two versions of one ecosystem: -1, 0 or +1 as a is
// older than, equal to or newer than b; an error wrapping ErrInvalid when
// either is not a valid version of that ecosystem.
type Comparer interface {
	Compare(a, b string) (int, error)
}

// For returns the comparer for an OSV ecosystem name. A release suffix after
// the first colon is ignored ("Debian:12", "Alpine:v3.20",
// "Red Hat:enterprise_linux:9::appstream"); "openSUSE" and "SUSE" match
// with any suffix. ok is false for an unknown ecosystem.
func For(ecosystem string) (c Comparer, ok bool) {
	base, _, _ := strings.Cut(ecosystem, ":")
	c, ok = comparers[base]
	return c, ok
}

var comparers = map[string]Comparer{
	"Debian":      dpkg,
	"Ubuntu":      dpkg,
	"Alpine":      apk,
	"Red Hat":     rpm,
	"Rocky Linux": rpm,
	"AlmaLinux":   rpm,
	"openSUSE":    rpm,
	"SUSE":        rpm,
	"Go":          goSemver,
	"npm":         npmSemver,
	"crates.io":   cargoSemver,
	"PyPI":        pep440,
	"Maven":       maven,
	"RubyGems":    rubygems,
	"NuGet":       nuget,
	"Packagist":   composer,
}

// comparer joins a parser and an ordering of its parsed values.
type comparer[V any] struct {
	name  string
	parse func(string) (V, error)
	cmp   func(a, b V) int
}

// Compare implements Comparer.
func (c comparer[V]) Compare(a, b string) (int, error) {
	x, err := c.parseBounded(a)
	if err != nil {
		return 0, err
	}
	y, err := c.parseBounded(b)
	if err != nil {
		return 0, err
	}
	return sign(c.cmp(x, y)), nil
}

func (c comparer[V]) parseBounded(s string) (V, error) {
	var zero V
	if s == "" {
		return zero, fmt.Errorf("%w: empty %s version", ErrInvalid, c.name)
	}
	if len(s) > MaxLen {
		return zero, fmt.Errorf("%w: %s version of %d bytes, longer than %d", ErrInvalid, c.name, len(s), MaxLen)
	}
	v, err := c.parse(s)
	if err != nil {
		return zero, fmt.Errorf("%w: %s version %q: %v", ErrInvalid, c.name, s, err)
	}
	return v, nil
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
