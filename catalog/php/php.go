// Package php catalogs PHP packages managed by Composer: the packages
// installed in a vendor directory (vendor/composer/installed.json, in the
// formats of Composer 1 and 2) and the packages that composer.lock files
// pin.
//
// Versions are reported as Composer writes them ("v2.0.1", "2.0.0-beta.1",
// "dev-main"): Syft does the same, and OSV's Packagist version comparison
// itself ignores a leading "v" (osv.dev's PackagistVersion canonicalizes
// "v2.0.1" to "2.0.1"), so stripping it here would only make the
// inventory disagree with the files.
//
// The same name@version found in several places (an installed.json and
// the composer.lock it was installed from) is reported once, with every
// file as a Location and the lowest of their layers. It is Dev only when
// every file that lists it says so: composer.lock's "packages-dev", or
// installed.json's "dev-package-names" (Composer 2, installed in dev
// mode). Syft leaves composer.lock's packages-dev out and does not mark
// the dev packages of installed.json.
//
// A composer.lock inside an installed package (VENDOR/a/b/composer.lock
// next to VENDOR/composer/installed.json) is that package's development
// lock, which installed nothing: it is not read.
package php

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

// Ecosystem is the OSV ecosystem of Composer packages.
const Ecosystem = "Packagist"

// DefaultMaxFileSize bounds the installed.json and composer.lock files
// parsed; the largest real ones are a few megabytes.
const DefaultMaxFileSize = 64 << 20

// Cataloger finds Composer packages.
type Cataloger struct {
	maxSize int
}

// Option configures a Cataloger.
type Option func(*Cataloger)

// WithMaxFileSize sets the largest file parsed (default
// DefaultMaxFileSize); larger ones are skipped with a warning.
func WithMaxFileSize(n int) Option { return func(c *Cataloger) { c.maxSize = n } }

// New returns a Composer cataloger.
func New(opts ...Option) *Cataloger {
	c := &Cataloger{maxSize: DefaultMaxFileSize}
	for _, o := range opts {
		o(c)
	}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxFileSize
	}
	return c
}

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "php" }

// Patterns implements catalog.Cataloger. Composer writes installed.json to
// VENDOR/composer/, VENDOR being "vendor" unless composer.json's
// config.vendor-dir says otherwise.
func (*Cataloger) Patterns() []string {
	return []string{"**/composer/installed.json", "**/composer.lock"}
}

// kind is what a matched file is.
type kind int

const (
	kindNone kind = iota
	kindInstalled
	kindLock
)

// kindOf classifies a matched path; it agrees with Patterns (a test checks
// it).
func kindOf(p string) kind {
	dir, base := path.Split(p)
	switch {
	case base == "installed.json" && path.Base(dir) == "composer":
		return kindInstalled
	case base == "composer.lock":
		return kindLock
	}
	return kindNone
}

// found accumulates the occurrences of one name@version.
type found struct {
	pkg    inventory.Package
	allDev bool
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	byKey := map[string]*found{}
	for _, info := range fsys.Matched() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k := kindOf(info.Path)
		if k == kindNone || (k == kindLock && insidePackage(fsys, info.Path)) {
			continue
		}
		parse := ParseInstalledJSON
		if k == kindLock {
			parse = ParseComposerLock
		}
		for _, r := range c.read(fsys, env, info.Path, parse) {
			add(byKey, r.Record, r.layer, "/"+info.Path)
		}
	}
	pkgs := make([]inventory.Package, 0, len(byKey))
	for _, f := range byKey {
		f.pkg.Dev = f.allDev
		slices.Sort(f.pkg.Locations)
		pkgs = append(pkgs, f.pkg)
	}
	slices.SortFunc(pkgs, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return pkgs, nil
}

// layered is a record and the layer that introduced it.
type layered struct {
	Record
	layer int
}

// read parses the file at p. A package belongs to the layer from which
// the file has listed it without a break (catalog.IntroducedIn), not to
// the last layer that rewrote the file.
func (c *Cataloger) read(fsys *layerfs.FS, env *catalog.Env, p string, parse func([]byte) ([]Record, []string, error)) []layered {
	data, layer, err := fsys.ReadFile(p)
	if err != nil {
		if info, serr := fsys.Lstat(p); serr == nil {
			layer = info.Layer
		}
		msg := err.Error()
		if errors.Is(err, layerfs.ErrNotCaptured) {
			msg = "skipped: file not read (over the size limit)"
		}
		env.Warn(layer, "/"+p, msg)
		return nil
	}
	if len(data) > c.maxSize {
		env.Warn(layer, "/"+p, fmt.Sprintf("skipped: %d bytes, over the limit of %d", len(data), c.maxSize))
		return nil
	}
	recs, problems, err := parse(data)
	if err != nil {
		env.Warn(layer, "/"+p, err.Error())
		return nil
	}
	for _, pr := range problems {
		env.Warn(layer, "/"+p, pr)
	}
	key := func(r Record) string { return r.Name + "@" + r.Version }
	introduced := map[string]int{}
	if h := fsys.History(p); len(h) > 1 {
		introduced = catalog.IntroducedIn(h, func(b []byte) map[string]bool {
			keys := map[string]bool{}
			if len(b) <= c.maxSize {
				rs, _, _ := parse(b)
				for _, r := range rs {
					keys[key(r)] = true
				}
			}
			return keys
		})
	}
	out := make([]layered, 0, len(recs))
	for _, r := range recs {
		l := layer
		if i, ok := introduced[key(r)]; ok {
			l = i
		}
		out = append(out, layered{r, l})
	}
	return out
}

// add records r found at location.
func add(byKey map[string]*found, r Record, layer int, location string) {
	k := r.Name + "@" + r.Version
	f := byKey[k]
	if f == nil {
		f = &found{pkg: inventory.Package{
			Name: r.Name, Version: r.Version, Type: inventory.TypeComposer, Ecosystem: Ecosystem,
			PURL: PURL(r.Name, r.Version), Layer: layer,
		}, allDev: true}
		byKey[k] = f
	}
	f.pkg.Layer = min(f.pkg.Layer, layer)
	f.allDev = f.allDev && r.Dev
	if !slices.Contains(f.pkg.Locations, location) {
		f.pkg.Locations = append(f.pkg.Locations, location)
	}
	for _, l := range r.Licenses {
		if !slices.Contains(f.pkg.Licenses, l) {
			f.pkg.Licenses = append(f.pkg.Licenses, l)
		}
	}
}

// insidePackage reports whether the composer.lock at p lies inside a
// package installed in a vendor directory: VENDOR/a/b/.../composer.lock
// with a VENDOR/composer/installed.json.
func insidePackage(fsys *layerfs.FS, p string) bool {
	for dir := path.Dir(path.Dir(path.Dir(p))); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if fsys.Exists(path.Join(dir, "composer", "installed.json")) {
			return true
		}
	}
	return false
}

// PURL returns the package URL of a Composer package: the vendor is the
// namespace ("pkg:composer/dompdf/dompdf@v2.0.1").
func PURL(name, version string) string {
	vendor, n, ok := strings.Cut(name, "/")
	if !ok {
		vendor, n = "", name
	}
	return packageurl.NewPackageURL(packageurl.TypeComposer, vendor, n, version, nil, "").ToString()
}
