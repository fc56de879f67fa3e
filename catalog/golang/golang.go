// Package golang catalogs Go modules: those compiled into Go binaries, read
// from the build information the Go toolchain embeds in every executable it
// links (ELF, Mach-O and PE), and those a source tree requires in its go.mod.
//
// # Which files are read
//
// Go binaries have no fixed place, but reading every file of an image would
// keep it all in memory while the layers stream. The cataloger reads the
// files of the directories where binaries are installed
// (executable.Patterns): the system bin and sbin directories, the Go
// toolchain's own, GOPATH/bin, the conventions of ko (/ko-app) and of many
// Dockerfiles (/app, /opt/X/bin), and the files at the root of the image
// (the "/manager" or "/server" of scratch and distroless images). A Go
// binary elsewhere is not found. Of each executable there, only its build
// information is kept as the layer streams past (package executable), so a
// Debian image's /usr/bin costs a parse of each ELF file but no memory. A
// file over the capture size limit (layerfs.Limits.MaxFileSize) cannot be
// inspected; when it is executable, a warning says so.
//
// # How modules are reported
//
// Every module is a package of Type golang and Ecosystem "Go" whose Version
// is the module version as Go writes it ("v1.2.3"), or "" when it is not
// known (a "(devel)" main module, a module replaced by a local directory).
// The Go toolchain that built a binary is the package "stdlib", its version
// converted to semantic versioning ("go1.22.3" is "v1.22.3").
//
// A module replaced by a replace directive is reported as the module that
// was compiled in (the replacement), and SourceName and SourceVersion name
// the module as it was required. For stdlib, SourceName is "go" and
// SourceVersion the toolchain version exactly as the binary records it, so
// that suffixes such as " X:boringcrypto" are kept. Vulnerability matching
// should use Name and Version only.
//
// The main module of a go.mod is reported too, with an empty version: it
// names the application a source tree builds, as a binary's main module
// does. A go.mod under a module cache (.../pkg/mod/path@version/), a vendor
// or testdata directory, or of the Go distribution itself (module std or
// cmd) describes no application and is skipped.
package golang

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/executable"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Ecosystem is the OSV ecosystem of Go modules.
const Ecosystem = "Go"

const goModPattern = "**/go.mod"

// Cataloger finds Go modules in binaries and go.mod files.
type Cataloger struct {
	binaries *layerfs.Matcher
}

// New returns a Go cataloger.
func New() *Cataloger {
	m, err := layerfs.NewMatcher(executable.Patterns...)
	if err != nil {
		panic(err) // constant patterns, checked by the tests
	}
	return &Cataloger{binaries: m}
}

func (*Cataloger) Name() string { return "golang" }

func (*Cataloger) Patterns() []string {
	return append(slices.Clone(executable.Patterns), goModPattern)
}

// Filters implements catalog.Filterer: what is kept of an executable is
// the build information it embeds (package executable).
func (*Cataloger) Filters() []layerfs.Filter { return []layerfs.Filter{executable.Filter()} }

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	// Matched lists every selected path once, as the layers wrote it: a
	// binary behind a directory link (bin -> usr/bin) is not found twice.
	var bins, mods []layerfs.Info
	for _, info := range fsys.Matched() {
		if c.binaries.Match(info.Path) {
			bins = append(bins, info)
		}
		if path.Base(info.Path) == "go.mod" {
			mods = append(mods, info)
		}
	}
	var pkgs []inventory.Package
	for _, info := range bins {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pkgs = append(pkgs, binaryPackages(fsys, env, info)...)
	}
	for _, info := range mods {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if skipGoMod(info.Path) {
			continue
		}
		pkgs = append(pkgs, goModPackages(fsys, env, info)...)
	}
	return pkgs, nil
}

// binaryPackages returns the modules of the Go binary at info.Path, or nil
// when it is not a Go binary.
func binaryPackages(fsys *layerfs.FS, env *catalog.Env, info layerfs.Info) []inventory.Package {
	data, _, err := fsys.ReadFile(info.Path)
	if err != nil {
		if errors.Is(err, layerfs.ErrNotCaptured) && info.Mode&0o111 != 0 {
			env.Warn(info.Layer, "/"+info.Path, fmt.Sprintf(
				"executable not inspected for Go build information: its content (%d bytes) was not captured, most likely because it is over the size limit", info.Size))
		}
		return nil
	}
	mods, err := reducedModules(data)
	if errors.Is(err, ErrNotGo) {
		return nil
	}
	if err != nil {
		env.Warn(info.Layer, "/"+info.Path, "malformed Go build information: "+err.Error())
		return nil
	}
	introduced := catalog.IntroducedIn(fsys.History(info.Path), func(b []byte) map[string]bool {
		ms, _ := reducedModules(b)
		return moduleKeys(ms)
	})
	return packages(mods, info, introduced)
}

// goModPackages returns the modules the go.mod at info.Path requires.
func goModPackages(fsys *layerfs.FS, env *catalog.Env, info layerfs.Info) []inventory.Package {
	data, _, err := fsys.ReadFile(info.Path)
	if err != nil {
		if errors.Is(err, layerfs.ErrNotCaptured) {
			env.Warn(info.Layer, "/"+info.Path, "go.mod not read: its content was not captured")
		}
		return nil
	}
	mods, err := GoModModules(info.Path, data)
	if err != nil {
		env.Warn(info.Layer, "/"+info.Path, "malformed go.mod: "+err.Error())
		return nil
	}
	if len(mods) > 0 && mods[0].Main && (mods[0].Path == "std" || mods[0].Path == "cmd") {
		return nil // the Go distribution's own sources
	}
	introduced := catalog.IntroducedIn(fsys.History(info.Path), func(b []byte) map[string]bool {
		ms, _ := GoModModules(info.Path, b)
		return moduleKeys(ms)
	})
	return packages(mods, info, introduced)
}

// skipGoMod reports whether the go.mod at p belongs to a module cache, a
// vendor or testdata directory: it describes no application of the image.
func skipGoMod(p string) bool {
	comps := strings.Split(p, "/")
	for i, c := range comps[:len(comps)-1] {
		switch {
		case c == "vendor" || c == "testdata":
			return true
		case c == "mod" && i > 0 && comps[i-1] == "pkg" && i+2 < len(comps):
			// GOMODCACHE is GOPATH/pkg/mod; a module's files are under
			// pkg/mod/<path>@<version>/, and the download cache under
			// pkg/mod/cache/.
			for _, d := range comps[i+1 : len(comps)-1] {
				if strings.Contains(d, "@") || d == "cache" {
					return true
				}
			}
		}
	}
	return false
}

func moduleKeys(mods []Module) map[string]bool {
	keys := make(map[string]bool, len(mods))
	for _, m := range mods {
		keys[m.key()] = true
	}
	return keys
}

func packages(mods []Module, info layerfs.Info, introduced map[string]int) []inventory.Package {
	pkgs := make([]inventory.Package, 0, len(mods))
	for _, m := range mods {
		p := inventory.Package{
			Name:          m.Path,
			Version:       m.Version,
			SourceName:    m.SourcePath,
			SourceVersion: m.SourceVersion,
			Type:          inventory.TypeGolang,
			Ecosystem:     Ecosystem,
			PURL:          PURL(m.Path, m.Version),
			Layer:         info.Layer,
			Locations:     []string{"/" + info.Path},
		}
		if l, ok := introduced[m.key()]; ok {
			p.Layer = l
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// PURL returns the package URL of a Go module: the namespace is the module
// path up to its last element, and the name that element
// ("pkg:golang/github.com/google/uuid@v1.3.0"). Case is kept: Go module
// paths are case-sensitive, and OSV, Syft and Trivy keep it too (the purl
// specification's older "must be lowercased" is disputed for Go, see
// package-url/purl-spec#308).
func PURL(modulePath, version string) string {
	ns, name := "", modulePath
	if i := strings.LastIndexByte(modulePath, '/'); i >= 0 {
		ns, name = modulePath[:i], modulePath[i+1:]
	}
	return packageurl.NewPackageURL(packageurl.TypeGolang, ns, name, version, nil, "").ToString()
}
