package version

import (
	"errors"
	"strings"

	"github.com/Masterminds/semver/v3"
	gemversion "github.com/aquasecurity/go-gem-version"
	pep440version "github.com/aquasecurity/go-pep440-version"
	genericversion "github.com/aquasecurity/go-version/pkg/version"
	mvnversion "github.com/masahiro331/go-mvn-version"
	gosemver "golang.org/x/mod/semver"
)

// goSemver compares Go module versions with golang.org/x/mod/semver. OSV's
// Go records write versions without the "v" the go command requires, so
// both spellings are accepted. Build metadata ("+incompatible") does not
// take part in the order; pseudo-versions order as the pre-releases they
// are.
var goSemver = comparer[string]{
	name: "Go",
	parse: func(s string) (string, error) {
		if !strings.HasPrefix(s, "v") {
			s = "v" + s
		}
		if !gosemver.IsValid(s) {
			return "", errors.New("not a semantic version")
		}
		return s, nil
	},
	cmp: gosemver.Compare,
}

// npmSemver compares npm versions: strict SemVer 2.0.0, with the leading
// "v" that node-semver also accepts.
var npmSemver = comparer[*semver.Version]{
	name:  "npm",
	parse: func(s string) (*semver.Version, error) { return semver.StrictNewVersion(strings.TrimPrefix(s, "v")) },
	cmp:   (*semver.Version).Compare,
}

// cargoSemver compares crates.io versions: strict SemVer 2.0.0.
var cargoSemver = comparer[*semver.Version]{
	name:  "crates.io",
	parse: semver.StrictNewVersion,
	cmp:   (*semver.Version).Compare,
}

// pep440 compares PyPI versions by PEP 440 (epochs, pre-, post- and
// development releases, local versions) with go-pep440-version.
var pep440 = comparer[pep440version.Version]{
	name:  "PyPI",
	parse: pep440version.Parse,
	cmp:   pep440version.Version.Compare,
}

// maven compares Maven versions by the rules of Maven's ComparableVersion
// with go-mvn-version.
var maven = comparer[mvnversion.Version]{
	name:  "Maven",
	parse: mvnversion.NewVersion,
	cmp:   mvnversion.Version.Compare,
}

// rubygems compares RubyGems versions by Gem::Version's rules with
// go-gem-version.
var rubygems = comparer[gemversion.Version]{
	name:  "RubyGems",
	parse: gemversion.NewVersion,
	cmp:   gemversion.Version.Compare,
}

// nuget compares NuGet versions: SemVer 2.0.0 extended to four numeric
// parts (1.0 = 1.0.0 = 1.0.0.0), compared without regard to case, build
// metadata ignored. No NuGet-specific Go library exists;
// aquasecurity/go-version (the generic comparer Trivy uses for NuGet) orders
// any number of numeric parts and SemVer pre-releases, so NuGet's own limits
// are checked first and the version is lower-cased, as NuGet compares
// pre-release labels case-insensitively.
var nuget = comparer[genericversion.Version]{
	name:  "NuGet",
	parse: parseNuGet,
	cmp:   genericversion.Version.Compare,
}

func parseNuGet(s string) (genericversion.Version, error) {
	release := s
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		release = s[:i]
	}
	parts := strings.Split(release, ".")
	if len(parts) > 4 {
		return genericversion.Version{}, errors.New("more than four numeric parts")
	}
	for _, p := range parts {
		if !isDigits(p) {
			return genericversion.Version{}, errors.New("numeric part is not a number")
		}
	}
	return genericversion.Parse(strings.ToLower(s))
}
