// Package java catalogs Java packages: the Java archives of an image (jar,
// war, ear, jpi, hpi, par, sar, nar, kar, lpkg), with the archives nested
// in them (WEB-INF/lib in a war, BOOT-INF/lib in a Spring Boot jar, lib in
// an ear), and the Gradle lock files of source trees.
//
// An archive names its packages in META-INF/maven/<group>/<artifact>/pom.properties:
// each of these is a package (a shaded jar carries one for every library
// it absorbed), with the licenses its pom.xml declares. When none of them
// names the archive itself, META-INF/MANIFEST.MF and the file name do, as
// in Syft's java-archive cataloger: the artifact and version from the file
// name ("commons-io-2.11.0.jar"), or else from Implementation-*, Bundle-*
// and Specification-* attributes; the group from Implementation-Vendor-Id
// or Group-Id, when the manifest has them.
//
// Naming: Package.Name is "groupId:artifactId", the package name of the
// OSV "Maven" ecosystem, so that advisories match it as it is. When the
// group is unknown (an archive with no pom.properties naming it and no
// group in its manifest), Name is the artifactId alone, and the package URL
// uses the artifactId as its namespace, as Syft does
// ("pkg:maven/hamcrest/hamcrest@2.2"): the Maven purl type requires one.
//
// Locations: an archive's rooted path ("/usr/share/java/slf4j-api.jar");
// a nested archive's path is its parent's location, ":" and its path in
// the parent ("/srv/app.war:WEB-INF/lib/slf4j-api-1.7.32.jar",
// "/app.jar:BOOT-INF/lib/a.war:WEB-INF/lib/b.jar"), Syft's syntax.
//
// Archives are reduced as layers are read (catalog.Filterer): only their
// summary (Reduce) is kept in memory and in the layer cache, a few hundred
// bytes per archive whatever its size.
package java

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Ecosystem is the OSV ecosystem of Maven packages.
const Ecosystem = "Maven"

// Cataloger finds Java packages.
type Cataloger struct {
	limits Limits
}

// Option configures a Cataloger.
type Option func(*Cataloger)

// WithLimits sets the bounds on the work done on one archive; zero fields
// keep their DefaultLimits value.
func WithLimits(l Limits) Option { return func(c *Cataloger) { c.limits = l } }

// New returns a Java cataloger.
func New(opts ...Option) *Cataloger {
	c := &Cataloger{}
	for _, o := range opts {
		o(c)
	}
	c.limits = c.limits.withDefaults()
	return c
}

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "java" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string {
	return append(archivePatterns(), "**/gradle.lockfile", "**/gradle/dependency-locks/*.lockfile")
}

func archivePatterns() []string {
	var p []string
	for _, ext := range archiveExts {
		p = append(p, "**/*"+ext)
	}
	return p
}

// Filters implements catalog.Filterer: an archive is kept as its summary,
// and a file that is not a zip is not kept. Archives are not marked large:
// past layerfs's 64 MiB file limit an archive is reported in a warning
// (the largest real jars, uber-jars of SDKs, are under it).
func (c *Cataloger) Filters() []layerfs.Filter {
	return []layerfs.Filter{{
		Name:     c.filterName(),
		Patterns: archivePatterns(),
		Sniff:    sniffArchive,
		Reduce:   func(_ string, data []byte) ([]byte, error) { return Reduce(data, c.limits) },
	}}
}

// filterName names the filter in warnings and cache keys: it changes with
// the summary format, and with limits other than the defaults, which
// change what a summary holds.
func (c *Cataloger) filterName() string {
	name := "java-archive-v1"
	if l := c.limits; l != DefaultLimits {
		name += fmt.Sprintf(" (limits %d/%d/%d/%d/%d)", l.MaxDepth, l.MaxEntries, l.MaxTotalEntries, l.MaxNestedBytes, l.MaxMetadataSize)
	}
	return name
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	s := &scan{c: c, fsys: fsys, env: env, seen: map[string]int{}}
	for _, info := range fsys.Matched() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch p := info.Path; {
		case isArchiveName(p):
			s.archive(p)
		case path.Base(p) == "gradle.lockfile" || strings.HasSuffix(path.Dir(p), "gradle/dependency-locks"):
			s.gradle(p)
		}
	}
	slices.SortStableFunc(s.pkgs, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Locations[0], b.Locations[0]), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return s.pkgs, nil
}

// scan is the state of one Catalog call.
type scan struct {
	c    *Cataloger
	fsys *layerfs.FS
	env  *catalog.Env
	pkgs []inventory.Package
	// seen maps a dedup key to the index of its package in pkgs.
	seen map[string]int
}

// add records p under key, or merges it into the package recorded under
// it: the same dependency in several lock files of one project.
func (s *scan) add(key string, p inventory.Package) {
	i, ok := s.seen[key]
	if !ok {
		s.seen[key] = len(s.pkgs)
		s.pkgs = append(s.pkgs, p)
		return
	}
	q := &s.pkgs[i]
	if !slices.Contains(q.Locations, p.Locations[0]) {
		q.Locations = append(q.Locations, p.Locations[0])
	}
	q.Dev = q.Dev && p.Dev
	q.Layer = min(q.Layer, p.Layer)
}

// read returns a captured file, warning when it cannot. A file over a
// size limit is not warned about again: layerfs did when it skipped it.
func (s *scan) read(p string) ([]byte, int, bool) {
	data, layer, err := s.fsys.ReadFile(p)
	if err == nil {
		return data, layer, true
	}
	if !errors.Is(err, layerfs.ErrNotCaptured) {
		if info, serr := s.fsys.Stat(p); serr == nil {
			layer = info.Layer
		}
		s.env.Warn(layer, "/"+p, err.Error())
	}
	return nil, layer, false
}

// newPackage returns the package group:artifact at version, found at loc.
func newPackage(group, artifact, version string, layer int, loc string) inventory.Package {
	name := artifact
	if group != "" {
		name = group + ":" + artifact
	}
	return inventory.Package{
		Name:      name,
		Version:   version,
		Type:      inventory.TypeMaven,
		Ecosystem: Ecosystem,
		PURL:      PURL(group, artifact, version),
		Layer:     layer,
		Locations: []string{loc},
	}
}

// PURL returns the package URL of a Maven artifact; without a group, the
// artifact stands for it, as in Syft.
func PURL(group, artifact, version string) string {
	if group == "" {
		group = artifact
	}
	return packageurl.NewPackageURL(packageurl.TypeMaven, group, artifact, version, nil, "").ToString()
}

// archive catalogs the Java archive at p and the archives nested in it.
func (s *scan) archive(p string) {
	data, layer, ok := s.read(p)
	if !ok {
		return
	}
	sum, err := decodeSummary(data)
	if err != nil {
		// Captured whole, by a matcher without the cataloger's filter.
		reduced, rerr := Reduce(data, s.c.limits)
		if rerr != nil {
			s.env.Warn(layer, "/"+p, rerr.Error())
			return
		}
		if reduced == nil {
			return
		}
		sum, _ = decodeSummary(reduced)
	}
	for _, msg := range sum.Problems {
		s.env.Warn(layer, "/"+p, msg)
	}
	for _, a := range sum.Archives {
		loc := "/" + p
		if a.Path != "" {
			loc += ":" + a.Path
		}
		s.archivePackages(loc, layer, a)
	}
}

// archivePackages adds the packages one archive, at loc, names.
func (s *scan) archivePackages(loc string, layer int, a archiveInfo) {
	fileName, fileVersion := parseFileName(path.Base(loc[strings.LastIndexByte(loc, ':')+1:]))
	own := ownPom(a, fileName)
	for i, pom := range a.Poms {
		pkg := newPackage(pom.GroupID, pom.ArtifactID, pom.Version, layer, loc)
		pkg.Licenses = pom.Licenses
		if l := bundleLicenses(a.Manifest["Bundle-License"]); i == own && len(l) > 0 {
			pkg.Licenses = l
		}
		s.add(loc+"\x00"+pkg.Name+"\x00"+pkg.Version, pkg)
	}
	if own >= 0 || a.Manifest == nil {
		return
	}
	// No pom.properties names the archive: its manifest and file name do.
	m := a.Manifest
	artifact := cmp.Or(fileName, m["Short-Name"], m["Implementation-Title"], m["Bundle-Name"], m["Specification-Title"])
	version := cmp.Or(fileVersion, m["Implementation-Version"], m["Plugin-Version"], m["Bundle-Version"], m["Specification-Version"])
	if artifact == "" || slices.ContainsFunc(a.Poms, func(p pomInfo) bool { return p.ArtifactID == artifact && p.Version == version }) {
		return
	}
	pkg := newPackage(manifestGroup(m), artifact, version, layer, loc)
	pkg.Licenses = bundleLicenses(m["Bundle-License"])
	s.add(loc+"\x00"+pkg.Name+"\x00"+pkg.Version, pkg)
}

// ownPom returns the index of the pom.properties that names the archive
// itself, or -1: the only one, or else the one whose artifactId is the
// artifact of the file name (or starts with it, or ends it, Syft's test),
// or the manifest's title.
func ownPom(a archiveInfo, fileName string) int {
	if len(a.Poms) == 1 {
		return 0
	}
	tests := []func(id string) bool{
		func(id string) bool { return id == fileName },
		func(id string) bool {
			return fileName != "" && (strings.HasPrefix(id, fileName) || strings.HasSuffix(fileName, id))
		},
		func(id string) bool {
			t := a.Manifest["Implementation-Title"]
			return t != "" && id == t
		},
	}
	for _, test := range tests {
		if i := slices.IndexFunc(a.Poms, func(p pomInfo) bool { return test(p.ArtifactID) }); i >= 0 {
			return i
		}
	}
	return -1
}

// manifestGroup returns the Maven group a manifest states: maven-archiver
// writes it as Implementation-Vendor-Id, Jenkins plugins as Group-Id.
func manifestGroup(m map[string]string) string {
	for _, g := range []string{m["Implementation-Vendor-Id"], m["Group-Id"]} {
		if g != "" && !strings.ContainsAny(g, " \t/:;,") {
			return g
		}
	}
	return ""
}

// parseFileName splits an archive's file name into artifact and version
// the way Maven names them ("commons-lang3-3.12.0.jar",
// "hamcrest-integration-1.3.1-SNAPSHOT.jar"): the version starts at the
// first dash-separated part that starts with a digit (or "build", "r" or
// "rc" and a digit). Without one, a version after "_" or "." is tried
// ("foo_1.2.jar").
func parseFileName(base string) (name, version string) {
	base = strings.TrimSuffix(base, path.Ext(base))
	parts := strings.Split(base, "-")
	for i := 1; i < len(parts); i++ {
		if versionStart(parts[i]) {
			return strings.Join(parts[:i], "-"), strings.Join(parts[i:], "-")
		}
	}
	for i := 1; i+1 < len(base); i++ {
		if (base[i] == '_' || base[i] == '.') && isDigit(base[i+1]) {
			return base[:i], base[i+1:]
		}
	}
	return base, ""
}

func versionStart(part string) bool {
	for _, prefix := range []string{"build", "rc", "r", ""} {
		if rest, ok := strings.CutPrefix(part, prefix); ok && rest != "" && isDigit(rest[0]) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// gradle catalogs a Gradle lock file. A dependency locked in several
// per-configuration files of one project is one package, located in each,
// a development dependency only if it is one in all.
func (s *scan) gradle(p string) {
	data, layer, ok := s.read(p)
	if !ok {
		return
	}
	conf := legacyConfiguration(p)
	deps, problems := ParseGradleLockfile(data, conf)
	for _, pr := range problems {
		s.env.Warn(layer, "/"+p, pr)
	}
	// A package is attributed to the layer from which the lock file has
	// listed it without a break, not to the last layer that touched it.
	introduced := catalog.IntroducedIn(s.fsys.History(p), func(b []byte) map[string]bool {
		ds, _ := ParseGradleLockfile(b, conf)
		keys := make(map[string]bool, len(ds))
		for _, d := range ds {
			keys[d.Group+":"+d.Artifact+"@"+d.Version] = true
		}
		return keys
	})
	project := path.Dir(p)
	if conf != "" {
		project = path.Dir(path.Dir(project)) // above gradle/dependency-locks
	}
	for _, d := range deps {
		pkg := newPackage(d.Group, d.Artifact, d.Version, layer, "/"+p)
		pkg.Dev = d.Dev()
		if l, ok := introduced[d.Group+":"+d.Artifact+"@"+d.Version]; ok {
			pkg.Layer = l
		}
		s.add("gradle\x00"+project+"\x00"+pkg.Name+"\x00"+d.Version, pkg)
	}
}
