// Package rust catalogs Rust crates: those a Cargo.lock pins, and those
// compiled into executables built with cargo-auditable, which embeds the
// crate list as zlib-compressed JSON in a ".dep-v0" section.
//
// # Which files are read
//
// Every Cargo.lock ("**/Cargo.lock"), except those of crates' own sources:
// under a Cargo home's registry or git checkouts (.cargo/registry/,
// .cargo/git/), Debian's crate registry (/usr/share/cargo/registry/), or a
// vendor directory made by `cargo vendor`. Those lock files describe how a
// crate's authors tested it, not what the image runs.
//
// Executables are looked for where images install programs
// (executable.Patterns: the system bin directories, Cargo's and Go's bin
// directories, /app, /opt/*/bin and the root). The layer filter shared
// with the Go cataloger (executable.Filter) keeps, of each ELF, PE or
// Mach-O file there, only the sections that name packages, and nothing of
// ordinary executables; the audit data is decompressed here, at most
// MaxAuditJSON bytes of it. A whole executable (one another pattern kept
// whole) is read with AuditJSON.
//
// # How crates are reported
//
// Every entry is reported, as Syft does, with Type cargo and the package
// URL "pkg:cargo/name@version". Only crates from crates.io carry the
// Ecosystem "crates.io": the advisories of that ecosystem are about them.
// A crate from a git repository, another registry, or the local tree (a
// workspace member, a path dependency, the application itself) has an
// empty Ecosystem, and its package URL says where it came from when the
// file does: vcs_url for git, repository_url for another registry. So a
// workspace crate that happens to share a crates.io name is listed but
// never matched against that crate's advisories.
//
// A crate that audit data marks as a build-time dependency (of a build
// script or a procedural macro) is reported with Dev set: it ran during
// the build but is not part of the executable. Syft leaves those out.
package rust

import (
	"bytes"
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

// Ecosystem is the OSV ecosystem of crates.io crates.
const Ecosystem = "crates.io"

// DefaultMaxLockSize is the largest Cargo.lock parsed by default: the
// largest real ones (rust-lang/rust's) are under 1 MB.
const DefaultMaxLockSize = 16 << 20

const lockPattern = "**/Cargo.lock"

// Cataloger finds Rust crates in Cargo.lock files and executables.
type Cataloger struct {
	binaries *layerfs.Matcher
	maxLock  int
}

// Option configures a Cataloger.
type Option func(*Cataloger)

// WithMaxLockSize sets the largest Cargo.lock parsed (default
// DefaultMaxLockSize); larger ones are skipped with a warning.
func WithMaxLockSize(n int) Option { return func(c *Cataloger) { c.maxLock = n } }

// New returns a Rust cataloger.
func New(opts ...Option) *Cataloger {
	m, err := layerfs.NewMatcher(executable.Patterns...)
	if err != nil {
		panic(err) // constant patterns, checked by the tests
	}
	c := &Cataloger{binaries: m, maxLock: DefaultMaxLockSize}
	for _, o := range opts {
		o(c)
	}
	if c.maxLock <= 0 {
		c.maxLock = DefaultMaxLockSize
	}
	return c
}

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "rust" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string {
	return append(slices.Clone(executable.Patterns), lockPattern)
}

// Filters implements catalog.Filterer: the executable filter shared with
// the Go cataloger keeps, of each executable, what its toolchain embeds;
// here, the cargo-auditable section.
func (*Cataloger) Filters() []layerfs.Filter { return []layerfs.Filter{executable.Filter()} }

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	for _, info := range fsys.Matched() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case path.Base(info.Path) == "Cargo.lock":
			if !cratesSource(info.Path) {
				pkgs = append(pkgs, c.lockPackages(fsys, env, info)...)
			}
		case c.binaries.Match(info.Path):
			pkgs = append(pkgs, binaryPackages(fsys, env, info)...)
		}
	}
	// A crate in a binary and in the lock file it was built from is one
	// package, found in two places.
	return catalog.MergeSame(pkgs), nil
}

// cratesSource reports whether the Cargo.lock at p belongs to the sources
// of a crate: in a Cargo home, Debian's registry or a vendor directory.
func cratesSource(p string) bool {
	if strings.HasPrefix(p, "usr/share/cargo/registry/") {
		return true
	}
	comps := strings.Split(p, "/")
	for i := 0; i+1 < len(comps); i++ {
		if comps[i] == ".cargo" && (comps[i+1] == "registry" || comps[i+1] == "git") {
			return true
		}
	}
	// vendor/<crate>/Cargo.lock
	return len(comps) >= 3 && comps[len(comps)-3] == "vendor"
}

func (c *Cataloger) lockPackages(fsys *layerfs.FS, env *catalog.Env, info layerfs.Info) []inventory.Package {
	data, layer, err := fsys.ReadFile(info.Path)
	if err != nil {
		if !errors.Is(err, layerfs.ErrNotCaptured) { // layerfs warns about those
			env.Warn(info.Layer, "/"+info.Path, "Cargo.lock not read: "+err.Error())
		}
		return nil
	}
	if len(data) > c.maxLock {
		env.Warn(layer, "/"+info.Path, fmt.Sprintf("Cargo.lock not read: %d bytes is over the %d byte limit", len(data), c.maxLock))
		return nil
	}
	crates, skipped, err := ParseCargoLock(data)
	if err != nil {
		env.Warn(layer, "/"+info.Path, err.Error())
		return nil
	}
	if skipped > 0 {
		env.Warn(layer, "/"+info.Path, fmt.Sprintf("%d packages without a name or version skipped", skipped))
	}
	introduced := introducedIn(fsys, info.Path, func(b []byte) []Crate {
		if len(b) > c.maxLock {
			return nil
		}
		cs, _, _ := ParseCargoLock(b)
		return cs
	})
	return packages(crates, layer, "/"+info.Path, introduced)
}

// binaryPackages returns the crates of the executable at info.Path: its
// reduced audit data, or a whole executable another filter kept.
func binaryPackages(fsys *layerfs.FS, env *catalog.Env, info layerfs.Info) []inventory.Package {
	data, layer, err := fsys.ReadFile(info.Path)
	if err != nil {
		return nil // over the size limit: layerfs has said so
	}
	j, err := auditJSONOf(data)
	if err != nil {
		env.Warn(layer, "/"+info.Path, err.Error())
		return nil
	}
	if j == nil {
		return nil
	}
	crates, skipped, err := ParseAuditJSON(j)
	if err != nil {
		env.Warn(layer, "/"+info.Path, err.Error())
		return nil
	}
	if skipped > 0 {
		env.Warn(layer, "/"+info.Path, fmt.Sprintf("%d packages without a name or version skipped", skipped))
	}
	introduced := introducedIn(fsys, info.Path, func(b []byte) []Crate {
		j, _ := auditJSONOf(b)
		cs, _, _ := ParseAuditJSON(j)
		return cs
	})
	return packages(crates, layer, "/"+info.Path, introduced)
}

// auditJSONOf returns the audit data of a captured file: from the
// section the executable filter kept, or read from a whole executable. It
// returns nil and no error for files without audit data.
func auditJSONOf(data []byte) ([]byte, error) {
	info, err := executable.Decode(data)
	if err == nil {
		if info.CargoAuditable == nil {
			return nil, nil
		}
		return inflate(bytes.NewReader(info.CargoAuditable))
	}
	j, err := AuditJSON(data)
	if errors.Is(err, ErrNoAuditData) || errors.Is(err, errNotExecutable) {
		return nil, nil
	}
	return j, err
}

// introducedIn returns the layer that introduced each crate of the file
// at p (catalog.IntroducedIn), parsing each version with parse; a file
// written by one layer is not parsed again.
func introducedIn(fsys *layerfs.FS, p string, parse func([]byte) []Crate) map[string]int {
	h := fsys.History(p)
	if len(h) < 2 {
		return nil
	}
	return catalog.IntroducedIn(h, func(b []byte) map[string]bool {
		cs := parse(b)
		keys := make(map[string]bool, len(cs))
		for _, c := range cs {
			keys[c.key()] = true
		}
		return keys
	})
}

func packages(crates []Crate, layer int, location string, introduced map[string]int) []inventory.Package {
	pkgs := make([]inventory.Package, 0, len(crates))
	for _, c := range crates {
		p := inventory.Package{
			Name:      c.Name,
			Version:   c.Version,
			Type:      inventory.TypeCargo,
			PURL:      PURL(c.Name, c.Version, c.Source),
			Layer:     layer,
			Locations: []string{location},
			Dev:       c.Build,
		}
		if FromCratesIO(c.Source) {
			p.Ecosystem = Ecosystem
		}
		if l, ok := introduced[c.key()]; ok {
			p.Layer = l
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// Sources of crates.io crates, as Cargo.lock files and audit data write
// them.
const (
	cratesIOGit    = "registry+https://github.com/rust-lang/crates.io-index"
	cratesIOSparse = "sparse+https://index.crates.io/"
	cratesIOAudit  = "crates.io"
)

// FromCratesIO reports whether a crate's source is crates.io.
func FromCratesIO(source string) bool {
	return source == cratesIOGit || source == cratesIOSparse || source == cratesIOAudit
}

// PURL returns the package URL of a crate: "pkg:cargo/name@version", with
// a vcs_url qualifier for a git source and a repository_url qualifier for
// a registry other than crates.io when the source names them.
func PURL(name, version, source string) string {
	var q packageurl.Qualifiers
	kind, loc, _ := strings.Cut(source, "+")
	switch {
	case FromCratesIO(source) || loc == "":
	case kind == "git":
		// "git+https://host/repo?branch=x#commit" is
		// vcs_url "git+https://host/repo@commit".
		url, commit, _ := strings.Cut(loc, "#")
		url, _, _ = strings.Cut(url, "?")
		if commit != "" {
			url += "@" + commit
		}
		q = packageurl.QualifiersFromMap(map[string]string{"vcs_url": "git+" + url})
	case kind == "registry" || kind == "sparse":
		q = packageurl.QualifiersFromMap(map[string]string{"repository_url": loc})
	}
	return packageurl.NewPackageURL(packageurl.TypeCargo, "", name, version, q, "").ToString()
}
