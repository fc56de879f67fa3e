package vulndb

import (
	"regexp"
	"strings"
)

// pep503Separators are the runs of characters PEP 503 folds into one "-".
var pep503Separators = regexp.MustCompile(`[-_.]+`)

// NormalizeName returns the form of a package name under which ecosystem
// indexes it: PyPI names are normalized as PEP 503 says (lower case, runs
// of "-", "_" and "." as one "-"); NuGet and Packagist names are case
// insensitive and lower-cased; other ecosystems' names are kept as they are.
func NormalizeName(ecosystem, name string) string {
	switch ecosystemBase(ecosystem) {
	case "PyPI":
		return strings.ToLower(pep503Separators.ReplaceAllString(name, "-"))
	case "NuGet", "Packagist":
		return strings.ToLower(name)
	}
	return name
}

// ecosystemBase strips an ecosystem's ":suffix" ("Debian:12" -> "Debian",
// "Maven:https://maven.google.com" -> "Maven").
func ecosystemBase(ecosystem string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	return base
}

// pkgPrefix is the index key prefix of a package: ecosystem, NUL,
// normalized name, NUL; the record id follows.
func pkgPrefix(ecosystem, name string) []byte {
	return []byte(ecosystem + "\x00" + NormalizeName(ecosystem, name) + "\x00")
}

// linkPrefix is the links index key prefix of an alias or upstream id.
func linkPrefix(id string) []byte { return []byte(id + "\x00") }
