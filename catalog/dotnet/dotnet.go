// Package dotnet catalogs .NET packages: those a published application's
// runtime dependency manifest (<app>.deps.json) lists, and those a NuGet
// lock file (packages.lock.json) pins in source trees.
//
// # How packages are reported
//
// Every package has Type nuget and the package URL "pkg:nuget/Name@version".
// Names keep the case the file gives them, in Name and in the package URL,
// as NuGet displays them; NuGet package IDs are case-insensitive, so the
// same ID spelled twice in one file is reported once (Key), and matching
// against advisories should compare names without regard to case (OSV's
// NuGet ecosystem does).
//
// NuGet packages carry the Ecosystem "NuGet". The application's own
// projects (deps.json type "project", lock file type "Project") are local
// code: they are reported, as Syft does, but with an empty Ecosystem, so
// that a project that shares a NuGet package's name is never matched
// against that package's advisories.
//
// A self-contained application's deps.json lists the .NET runtime it
// carries as "runtimepack.Microsoft.NETCore.App.Runtime.<rid>"; it is
// reported as the NuGet package Microsoft.NETCore.App.Runtime.<rid>, under
// which advisories name the runtime. Reference assemblies (type
// "referenceassembly") are left out.
//
// A deps.json package with no runtime, native, resource or compile asset,
// itself or through its dependencies (an analyzer, a build-time tool),
// ships no code: it is reported with Dev set. Syft leaves such packages
// out. Lock files do not say which packages are development-only.
package dotnet

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Ecosystem is the OSV ecosystem of NuGet packages.
const Ecosystem = "NuGet"

// DefaultMaxFileSize is the largest deps.json or packages.lock.json parsed
// by default. Real ones are a few hundred kilobytes (the .NET SDK's
// largest deps.json is under 1 MB); decoding costs about four times the
// file's size in memory.
const DefaultMaxFileSize = 32 << 20

const (
	depsPattern = "**/*.deps.json"
	lockPattern = "**/packages.lock.json"
)

// Cataloger finds .NET packages.
type Cataloger struct {
	maxSize int
}

// Option configures a Cataloger.
type Option func(*Cataloger)

// WithMaxFileSize sets the largest file parsed (default
// DefaultMaxFileSize); larger ones are skipped with a warning.
func WithMaxFileSize(n int) Option { return func(c *Cataloger) { c.maxSize = n } }

// New returns a .NET cataloger.
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
func (*Cataloger) Name() string { return "dotnet" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string { return []string{depsPattern, lockPattern} }

// parser returns the parser of the file at p, or nil.
func parser(p string) func([]byte) ([]Library, []string, error) {
	switch base := path.Base(p); {
	case base == "packages.lock.json":
		return ParsePackagesLock
	case strings.HasSuffix(base, ".deps.json") && base != ".deps.json":
		return ParseDepsJSON
	}
	return nil
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	for _, info := range fsys.Matched() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if parse := parser(info.Path); parse != nil {
			pkgs = append(pkgs, c.file(fsys, env, info, parse)...)
		}
	}
	return pkgs, nil
}

func (c *Cataloger) file(fsys *layerfs.FS, env *catalog.Env, info layerfs.Info, parse func([]byte) ([]Library, []string, error)) []inventory.Package {
	p := "/" + info.Path
	data, layer, err := fsys.ReadFile(info.Path)
	if err != nil {
		if !errors.Is(err, layerfs.ErrNotCaptured) { // layerfs warns about those
			env.Warn(info.Layer, p, "not read: "+err.Error())
		}
		return nil
	}
	if len(data) > c.maxSize {
		env.Warn(layer, p, fmt.Sprintf("not read: %d bytes is over the %d byte limit", len(data), c.maxSize))
		return nil
	}
	libs, problems, err := parse(data)
	if err != nil {
		env.Warn(layer, p, err.Error())
		return nil
	}
	for _, pr := range problems {
		env.Warn(layer, p, pr)
	}
	// A package is attributed to the layer from which the file has listed
	// it without a break.
	introduced := map[string]int{}
	if h := fsys.History(info.Path); len(h) > 1 {
		introduced = catalog.IntroducedIn(h, func(b []byte) map[string]bool {
			keys := map[string]bool{}
			if len(b) > c.maxSize {
				return keys
			}
			ls, _, _ := parse(b)
			for _, l := range ls {
				keys[Key(l.Name, l.Version)] = true
			}
			return keys
		})
	}
	pkgs := make([]inventory.Package, 0, len(libs))
	for _, l := range libs {
		pkg := inventory.Package{
			Name:      l.Name,
			Version:   l.Version,
			Type:      inventory.TypeNuGet,
			PURL:      PURL(l.Name, l.Version),
			Layer:     layer,
			Locations: []string{p},
			Dev:       l.NoAssets,
		}
		if !l.Project {
			pkg.Ecosystem = Ecosystem
		}
		if i, ok := introduced[Key(l.Name, l.Version)]; ok {
			pkg.Layer = i
		}
		pkgs = append(pkgs, pkg)
	}
	return pkgs
}

// PURL returns the package URL of a NuGet package, its name as given
// ("pkg:nuget/Newtonsoft.Json@13.0.3"): the purl specification keeps the
// case of NuGet names.
func PURL(name, version string) string {
	return packageurl.NewPackageURL(packageurl.TypeNuget, "", name, version, nil, "").ToString()
}
