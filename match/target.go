package match

import (
	"fmt"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/catalog/apk"
	"github.com/vigil-dev/vigil/catalog/dpkg"
	"github.com/vigil-dev/vigil/catalog/rpm"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/version"
	"github.com/vigil-dev/vigil/vulndb"
)

// target is what a package is looked up and compared as: the advisory
// ecosystem, the package name the advisories use, and the version to
// compare with their ranges.
type target struct {
	eco     string
	name    string
	version string
	cmp     version.Comparer
}

// key identifies the records a target needs: one lookup per key.
func (t target) key() lookupKey {
	return lookupKey{eco: t.eco, name: vulndb.NormalizeName(t.eco, t.name)}
}

type lookupKey struct{ eco, name string }

// languageEcosystems maps package URL types to OSV ecosystems.
var languageEcosystems = map[string]string{
	inventory.TypeNPM:      "npm",
	inventory.TypePyPI:     "PyPI",
	inventory.TypeGolang:   "Go",
	inventory.TypeMaven:    "Maven",
	inventory.TypeGem:      "RubyGems",
	inventory.TypeCargo:    "crates.io",
	inventory.TypeComposer: "Packagist",
	inventory.TypeNuGet:    "NuGet",
}

// targetOf derives how package p is matched. An empty reason means p can
// be matched; otherwise reason says why not (the package is unscannable).
// have counts the database's records per ecosystem.
func targetOf(p *inventory.Package, os *inventory.OS, have map[string]int) (target, string) {
	pu, hasPURL := parsePURL(p.PURL)
	typ := p.Type
	if typ == "" && hasPURL {
		typ = pu.Type
	}
	eco := p.Ecosystem
	if eco == "" {
		eco = ecosystemOf(typ, os, pu)
	}
	if eco == "" {
		return target{}, fmt.Sprintf("no advisory ecosystem known for package type %q on this system", typ)
	}
	eco = resolveEcosystem(eco, have)
	t := target{eco: eco}
	t.name, t.version = matchName(typ, p, pu)
	if reason := unknownVersion(t.version); reason != "" {
		return target{}, reason
	}
	if have[eco] == 0 {
		return target{}, fmt.Sprintf("no advisory data for ecosystem %q in the database", eco)
	}
	cmp, ok := version.For(eco)
	if !ok {
		return target{}, fmt.Sprintf("no version comparison for ecosystem %q", eco)
	}
	if _, err := cmp.Compare(t.version, t.version); err != nil {
		return target{}, err.Error()
	}
	t.cmp = cmp
	return t, ""
}

// unknownVersion says why a version cannot be matched, or "" when it can.
// A missing version must never look like an unaffected one.
func unknownVersion(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return "version unknown"
	case "(devel)", "devel":
		return "version unknown (" + v + "): a development build"
	case "unknown", "none", "*", "latest":
		return fmt.Sprintf("version unknown (%q)", v)
	}
	return ""
}

// ecosystemOf derives an OSV ecosystem from a package type, for packages
// read from SBOMs that do not carry one: OS packages from the inventory's
// OS release (or the package URL's distro qualifier), language packages
// from the type alone.
func ecosystemOf(typ string, os *inventory.OS, pu packageurl.PackageURL) string {
	if eco, ok := languageEcosystems[typ]; ok {
		return eco
	}
	if os == nil || os.ID == "" {
		os = osFromDistro(pu.Qualifiers.Map()["distro"])
	}
	if os == nil {
		return ""
	}
	switch typ {
	case inventory.TypeDeb:
		return dpkg.Ecosystem(os)
	case inventory.TypeApk:
		return apk.Ecosystem(os)
	case inventory.TypeRPM:
		return rpm.Ecosystem(os)
	}
	return ""
}

// osFromDistro reads a package URL distro qualifier such as "debian-12"
// or "alpine-3.20.3" as an OS release.
func osFromDistro(distro string) *inventory.OS {
	id, ver, ok := strings.Cut(distro, "-")
	if !ok || id == "" || ver == "" {
		return nil
	}
	return &inventory.OS{ID: strings.ToLower(id), VersionID: ver}
}

// resolveEcosystem returns eco when the database has records for it, else
// the first (in sort order) database ecosystem that extends it with a
// suffix ("Ubuntu:22.04" -> "Ubuntu:22.04:LTS"), else eco.
func resolveEcosystem(eco string, have map[string]int) string {
	if have[eco] > 0 {
		return eco
	}
	best := ""
	for e := range have {
		if strings.HasPrefix(e, eco+":") && (best == "" || e < best) {
			best = e
		}
	}
	if best == "" {
		return eco
	}
	return best
}

// matchName returns the package name and version that advisories use.
//
// Debian and Alpine advisories name source packages, so a binary package
// is matched by its source name (dpkg's Source field, apk's origin). For
// Debian the SOURCE version is compared: the advisories' fixed versions
// are source versions, and a binary's own version may differ from its
// source's (a binNMU "+b1" suffix, or an epoch only the binary carries, as
// util-linux's bsdutils "1:2.38.1-5" from source "2.38.1-5"). Trivy does
// the same. Alpine binary packages carry their origin's version. RPM
// advisories name binary packages.
//
// Language packages are matched by name, completed from the package URL
// when an SBOM gives a short one (Syft names a Maven package by its
// artifactId and an npm package without its scope).
func matchName(typ string, p *inventory.Package, pu packageurl.PackageURL) (name, ver string) {
	name, ver = p.Name, p.Version
	switch typ {
	case inventory.TypeDeb:
		if p.SourceName != "" {
			name = p.SourceName
		}
		if p.SourceVersion != "" {
			ver = p.SourceVersion
		}
	case inventory.TypeApk:
		if p.SourceName != "" {
			name = p.SourceName
		}
	case inventory.TypeMaven:
		if !strings.Contains(name, ":") && pu.Namespace != "" {
			name = pu.Namespace + ":" + pu.Name
		}
	case inventory.TypeNPM, inventory.TypeComposer, inventory.TypeGolang:
		if !strings.Contains(name, "/") && pu.Namespace != "" && pu.Name == name {
			name = pu.Namespace + "/" + pu.Name
		}
	}
	if typ == inventory.TypeGolang {
		ver = goVersion(name, ver)
	}
	return name, ver
}

// goVersion spells a Go toolchain version as a module version: Syft
// writes stdlib's version as "go1.22.3", vigil as "v1.22.3".
func goVersion(name, ver string) string {
	if name == "stdlib" {
		if rest, ok := strings.CutPrefix(ver, "go"); ok {
			return "v" + rest
		}
	}
	return ver
}

// parsePURL parses a package URL, reporting false when there is none or
// it does not parse.
func parsePURL(s string) (packageurl.PackageURL, bool) {
	if s == "" || len(s) > 64<<10 {
		return packageurl.PackageURL{}, false
	}
	pu, err := packageurl.FromString(s)
	if err != nil {
		return packageurl.PackageURL{}, false
	}
	return pu, true
}
