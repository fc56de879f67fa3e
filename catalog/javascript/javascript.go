// Package javascript catalogs npm packages: the packages installed under
// node_modules (their package.json files) and the packages that lock files
// pin (package-lock.json, yarn.lock, pnpm-lock.yaml) in source trees and
// images.
//
// The same name@version found in several places (a lock file and the
// node_modules it produced, or two applications) is reported once, with
// every file it was found in as a Location: a vulnerability in it is one
// finding to fix, and the locations say where. Its Layer is the lowest
// layer among those places, and it is Dev only when every lock file that
// lists it says so and it was not found installed: an installed package
// ships in the image, whatever the lock file says.
package javascript

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

// Limits bound the work one file can cause. The zero value of a field
// means its default in DefaultLimits.
type Limits struct {
	// MaxFileSize is the largest package.json or lock file parsed; larger
	// ones are skipped with a warning.
	MaxFileSize int64
	// MaxDepth bounds the nesting of "dependencies" in a version 1
	// package-lock.json; deeper entries are skipped with a warning.
	MaxDepth int
	// MaxYAMLNodes bounds the YAML nodes of a pnpm-lock.yaml, as estimated
	// before parsing: the parser builds the whole tree in memory, about
	// 200 bytes a node.
	MaxYAMLNodes int
}

// DefaultLimits are far above what real projects need (the largest public
// monorepo lock files are tens of megabytes and a few dozen levels deep).
var DefaultLimits = Limits{
	MaxFileSize:  64 << 20,
	MaxDepth:     256,
	MaxYAMLNodes: 4_000_000,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFileSize > 0 {
		d.MaxFileSize = l.MaxFileSize
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxYAMLNodes > 0 {
		d.MaxYAMLNodes = l.MaxYAMLNodes
	}
	return d
}

// Cataloger finds npm packages.
type Cataloger struct {
	lim     Limits
	matcher *layerfs.Matcher
}

// New returns a cataloger with the default limits.
func New() *Cataloger { return NewWithLimits(Limits{}) }

// NewWithLimits returns a cataloger with the given limits.
func NewWithLimits(l Limits) *Cataloger {
	m, err := layerfs.NewMatcher(patterns...)
	if err != nil {
		panic(err) // the patterns are constants; the tests catch a typo
	}
	return &Cataloger{lim: l.withDefaults(), matcher: m}
}

var patterns = []string{
	"**/node_modules/*/package.json",
	"**/node_modules/@*/*/package.json",
	"**/package-lock.json",
	"**/yarn.lock",
	"**/pnpm-lock.yaml",
}

func (*Cataloger) Name() string { return "javascript" }

func (*Cataloger) Patterns() []string { return slices.Clone(patterns) }

// kind is what a matched file is.
type kind int

const (
	kindNone kind = iota
	kindInstalled
	kindPackageLock
	kindYarnLock
	kindPnpmLock
)

// kindOf classifies a path that the patterns matched. Lock files inside
// node_modules come from package tarballs, not from the project: they were
// not used to install anything.
func kindOf(p string) kind {
	dir, base := path.Split(p)
	if base == "package.json" {
		parent := path.Base(dir)
		grand := path.Dir(strings.TrimSuffix(dir, "/"))
		if path.Base(grand) == "node_modules" && !strings.HasPrefix(parent, "@") && !strings.HasPrefix(parent, ".") {
			return kindInstalled
		}
		if strings.HasPrefix(path.Base(grand), "@") && path.Base(path.Dir(grand)) == "node_modules" {
			return kindInstalled
		}
		return kindNone
	}
	if slices.Contains(strings.Split(dir, "/"), "node_modules") {
		return kindNone
	}
	switch base {
	case "package-lock.json":
		return kindPackageLock
	case "yarn.lock":
		return kindYarnLock
	case "pnpm-lock.yaml":
		return kindPnpmLock
	}
	return kindNone
}

// record is one package as a file lists it.
type record struct {
	Name     string
	Version  string
	Dev      bool
	Licenses []string
}

func (r record) key() string { return r.Name + "@" + r.Version }

// found accumulates the occurrences of one name@version.
type found struct {
	pkg       inventory.Package
	installed bool
	allDev    bool // every lock file occurrence is dev
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var files []string
	for _, info := range fsys.Matched() {
		if c.matcher.Match(info.Path) && kindOf(info.Path) != kindNone {
			files = append(files, info.Path)
		}
	}
	byKey := map[string]*found{}
	add := func(r record, location string, layer int, installed bool) {
		f := byKey[r.key()]
		if f == nil {
			f = &found{pkg: inventory.Package{
				Name: r.Name, Version: r.Version, Type: inventory.TypeNPM, Ecosystem: "npm",
				PURL: PURL(r.Name, r.Version), Layer: layer,
			}, allDev: true}
			byKey[r.key()] = f
		}
		f.pkg.Layer = min(f.pkg.Layer, layer)
		if !slices.Contains(f.pkg.Locations, location) {
			f.pkg.Locations = append(f.pkg.Locations, location)
		}
		for _, l := range r.Licenses {
			if !slices.Contains(f.pkg.Licenses, l) {
				f.pkg.Licenses = append(f.pkg.Licenses, l)
			}
		}
		if installed {
			f.installed = true
		} else if !r.Dev {
			f.allDev = false
		}
	}
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k := kindOf(p)
		data, layer, err := fsys.ReadFile(p)
		if err != nil {
			if errors.Is(err, layerfs.ErrNotCaptured) {
				if info, err := fsys.Lstat(p); err == nil {
					layer = info.Layer
				}
				env.Warn(layer, "/"+p, "skipped: file not read (over the size limit)")
			}
			continue
		}
		if int64(len(data)) > c.lim.MaxFileSize {
			env.Warn(layer, "/"+p, fmt.Sprintf("skipped: %d bytes, over the limit of %d", len(data), c.lim.MaxFileSize))
			continue
		}
		if k == kindInstalled {
			r, ok, err := parsePackageJSON(data)
			if err != nil {
				env.Warn(layer, "/"+p, err.Error())
			}
			if ok {
				add(r, "/"+p, layer, true)
			}
			continue
		}
		parse := c.lockParser(k)
		recs, problems, err := parse(data)
		if err != nil {
			env.Warn(layer, "/"+p, err.Error())
			continue
		}
		for _, pr := range problems {
			env.Warn(layer, "/"+p, pr)
		}
		introduced := map[string]int{}
		if h := fsys.History(p); len(h) > 1 {
			introduced = catalog.IntroducedIn(h, func(b []byte) map[string]bool {
				keys := map[string]bool{}
				if int64(len(b)) > c.lim.MaxFileSize {
					return keys
				}
				rs, _, _ := parse(b)
				for _, r := range rs {
					keys[r.key()] = true
				}
				return keys
			})
		}
		for _, r := range recs {
			l := layer
			if i, ok := introduced[r.key()]; ok {
				l = i
			}
			add(r, "/"+p, l, false)
		}
	}
	pkgs := make([]inventory.Package, 0, len(byKey))
	for _, f := range byKey {
		f.pkg.Dev = f.allDev && !f.installed
		slices.Sort(f.pkg.Locations)
		pkgs = append(pkgs, f.pkg)
	}
	slices.SortFunc(pkgs, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return pkgs, nil
}

func (c *Cataloger) lockParser(k kind) func([]byte) ([]record, []string, error) {
	switch k {
	case kindPackageLock:
		return func(b []byte) ([]record, []string, error) { return parsePackageLock(b, c.lim.MaxDepth) }
	case kindYarnLock:
		return parseYarnLock
	default:
		return func(b []byte) ([]record, []string, error) { return parsePnpmLock(b, c.lim.MaxYAMLNodes) }
	}
}

// PURL returns the package URL of an npm package: the scope, with its "@",
// is the namespace ("pkg:npm/%40babel/parser@7.12.0").
func PURL(name, version string) string {
	var ns string
	if strings.HasPrefix(name, "@") {
		if s, n, ok := strings.Cut(name, "/"); ok {
			ns, name = s, n
		}
	}
	return packageurl.NewPackageURL(packageurl.TypeNPM, ns, name, version, nil, "").ToString()
}

// splitNameVersion splits "name@version" or "@scope/name@version" at the
// "@" that ends the name.
func splitNameVersion(s string) (name, version string, ok bool) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// validName reports whether s can be an npm package name: what the
// parsers return must at least look like one.
func validName(s string) bool {
	if s == "" || len(s) > 214 || strings.ContainsAny(s, " \t\r\n\"'") {
		return false
	}
	if strings.HasPrefix(s, "@") {
		scope, n, ok := strings.Cut(s, "/")
		return ok && len(scope) > 1 && n != "" && !strings.Contains(n, "/")
	}
	return !strings.Contains(s, "/")
}

func validVersion(s string) bool {
	return s != "" && len(s) <= 256 && !strings.ContainsAny(s, " \t\r\n")
}
