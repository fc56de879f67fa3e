package version

import (
	"cmp"
	"errors"
	"regexp"
	"slices"
	"strings"
)

// composer compares Packagist versions as Composer does: it normalizes
// both (VersionParser::normalize) and orders the results with PHP's
// version_compare. Hand-rolled because no Go library for it is served by
// the module proxy (mcuadros/go-version, a port of the same PHP code, is
// archived and unavailable), and the SemVer libraries get Composer's
// stabilities wrong: "dev" sorts before "alpha", "a3" after "alpha2", and
// "p1"/"patch1" after the release.
var composer = comparer[composerVersion]{
	name:  "Packagist",
	parse: parseComposer,
	cmp:   compareComposer,
}

// composerVersion is a normalized Composer version: four numbers (or more,
// for date-like versions), a stability with its numbers, and whether it is
// a -dev snapshot of that.
type composerVersion struct {
	release   []string // digit strings without leading zeros
	stability int      // composerStabilities index; "" (stable) is stableRank
	number    []string // digit strings after the stability word
	dev       bool     // a trailing "-dev": just before the version it names
}

// composerVersionRE is the classical-version pattern of Composer's
// VersionParser: up to four numbers, an optional stability modifier with
// numbers, an optional "-dev".
var composerVersionRE = regexp.MustCompile(`(?i)^v?(\d+(?:\.\d+){0,3})` +
	`(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\d+)*))?` +
	`([.-]?dev)?$`)

// composerStabilities lists the modifiers from the oldest to the newest;
// the stable release sits between rc and the patches.
var composerStabilities = []string{"dev", "alpha", "beta", "rc", "", "patch"}

const stableRank = 4

var composerAliases = map[string]string{
	"a": "alpha", "b": "beta", "pl": "patch", "p": "patch", "stable": "",
}

func parseComposer(s string) (composerVersion, error) {
	if build, _, ok := strings.Cut(s, "+"); ok {
		s = build // build metadata does not take part in the order
	}
	m := composerVersionRE.FindStringSubmatch(s)
	if m == nil {
		return composerVersion{}, errors.New("not a Composer version")
	}
	v := composerVersion{release: digitRuns(m[1]), stability: stableRank, number: digitRuns(m[3])}
	word := strings.ToLower(m[2])
	if alias, ok := composerAliases[word]; ok {
		word = alias
	}
	if m[2] != "" {
		v.stability = slices.Index(composerStabilities, word)
	}
	switch {
	case m[4] != "" && m[2] == "":
		v.stability = 0 // "1.0-dev" is the dev stability of 1.0.0.0
	case m[4] != "":
		v.dev = true // "1.0-beta1-dev" is just before 1.0-beta1
	}
	for len(v.release) < 4 {
		v.release = append(v.release, "0")
	}
	return v, nil
}

// digitRuns splits s into its runs of digits, each without leading zeros
// ("0" stays "0").
func digitRuns(s string) []string {
	runs := strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	for i, r := range runs {
		runs[i] = strings.TrimLeft(r[:len(r)-1], "0") + r[len(r)-1:]
	}
	return runs
}

func compareComposer(a, b composerVersion) int {
	if c := compareNumberLists(a.release, b.release); c != 0 {
		return c
	}
	if c := cmp.Compare(a.stability, b.stability); c != 0 {
		return c
	}
	if c := compareNumberLists(a.number, b.number); c != 0 {
		return c
	}
	switch {
	case a.dev == b.dev:
		return 0
	case a.dev:
		return -1
	}
	return 1
}

// compareNumberLists orders lists of digit strings (no leading zeros) as
// version_compare does: number by number, and a list that goes on after
// the other ends is the greater.
func compareNumberLists(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if c := cmp.Compare(len(a[i]), len(b[i])); c != 0 {
			return c
		}
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}
