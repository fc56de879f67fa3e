// Package catalog defines what a cataloger is and runs a set of them over
// the merged file system of an image.
//
// A cataloger declares the files it reads (Patterns), so that layers can be
// streamed once and only those files kept in memory, and then turns them
// into packages. A failing cataloger is reported as a warning; it does not
// stop the others.
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Cataloger finds one kind of package.
type Cataloger interface {
	// Name is short and stable ("dpkg", "apk", "rpm").
	Name() string
	// Patterns are the files the cataloger reads, in layerfs.Matcher syntax.
	Patterns() []string
	// Catalog returns the packages found in fsys. It reports problems with
	// single entries through env.Warn and returns an error only when it
	// could not do its job at all.
	Catalog(ctx context.Context, fsys *layerfs.FS, env *Env) ([]inventory.Package, error)
}

// LargeFiles is implemented by catalogers whose databases may exceed the
// usual file size limit (layerfs.Limits.MaxFileSize): LargePatterns, a
// subset of Patterns, may be read up to Limits.MaxDatabaseSize.
type LargeFiles interface {
	LargePatterns() []string
}

// Sniffer is implemented by catalogers that look in broad places (every
// file of usr/bin) for a few files of interest: SniffPatterns, a subset of
// Patterns, select files that are kept only if Sniff accepts their first
// layerfs.SniffSize bytes. SniffName names the test in cache keys.
type Sniffer interface {
	SniffPatterns() []string
	SniffName() string
	Sniff(head []byte) bool
}

// Filterer is implemented by catalogers that read only part of some files
// (a Java archive's pom.properties, an executable's dependency section):
// each layerfs.Filter's patterns must be a subset of Patterns. Reduced
// files hold what Reduce returned, not the file's content.
type Filterer interface {
	Filters() []layerfs.Filter
}

// Env is what a cataloger knows besides the file system.
type Env struct {
	// OS is the detected operating system, or nil.
	OS *inventory.OS
	// Logger is never nil.
	Logger *slog.Logger
	// Warn records a problem with one file; it is safe to call from one
	// goroutine at a time.
	Warn func(layer int, path, msg string)
}

// Run runs catalogers in order and collects their packages. Errors and
// panics of one cataloger become warnings: a malformed database in a hostile
// image must not stop the scan or crash the process.
//
// A file that an OS package owns (listed in the dpkg, apk or rpm database)
// is not reported again as a language package: once an OS cataloger has
// run, the files its packages own are hidden from the Matched list of the
// catalogers that follow (layerfs.FS.Hiding), so run OS catalogers first.
// Debian's python3-requests, say, is reported once, as the deb, whose
// advisories name it, and a lock file shipped inside a Debian package does
// not add the packages it lists.
func Run(ctx context.Context, fsys *layerfs.FS, env *Env, catalogers ...Cataloger) ([]inventory.Package, []inventory.Warning) {
	var pkgs []inventory.Package
	var warnings []inventory.Warning
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	env.Warn = func(layer int, path, msg string) {
		warnings = append(warnings, inventory.Warning{Layer: layer, Path: path, Message: msg})
	}
	owned := map[string]bool{}
	view := fsys
	for _, c := range catalogers {
		if ctx.Err() != nil {
			break
		}
		found, err := runOne(ctx, c, view, env)
		if err != nil {
			warnings = append(warnings, inventory.Warning{Layer: -1, Message: fmt.Sprintf("%s cataloger: %v", c.Name(), err)})
			continue
		}
		env.Logger.Debug("cataloger done", "cataloger", c.Name(), "packages", len(found))
		pkgs = append(pkgs, found...)
		n := len(owned)
		for _, p := range found {
			if IsOS(p.Type) {
				for _, f := range p.Files {
					owned[strings.TrimPrefix(f, "/")] = true
				}
			}
		}
		if len(owned) > n && view == fsys {
			view = fsys.Hiding(func(p string) bool { return owned[p] })
		}
	}
	return pkgs, warnings
}

func runOne(ctx context.Context, c Cataloger, fsys *layerfs.FS, env *Env) (pkgs []inventory.Package, err error) {
	defer func() {
		if r := recover(); r != nil {
			env.Logger.Error("cataloger panicked", "cataloger", c.Name(), "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("internal error (please report it): %v", r)
		}
	}()
	return c.Catalog(ctx, fsys, env)
}

// IsOS reports whether a package type is an operating system package.
func IsOS(typ string) bool {
	switch typ {
	case inventory.TypeDeb, inventory.TypeApk, inventory.TypeRPM:
		return true
	}
	return false
}

// Patterns merges the patterns of several catalogers.
func Patterns(catalogers ...Cataloger) []string {
	var out []string
	for _, c := range catalogers {
		out = append(out, c.Patterns()...)
	}
	return out
}

// Matcher returns the layerfs.Matcher for the files catalogers read, plus
// extra patterns.
func Matcher(catalogers []Cataloger, extra ...string) (*layerfs.Matcher, error) {
	m, err := layerfs.NewMatcher(append(Patterns(catalogers...), extra...)...)
	if err != nil {
		return nil, err
	}
	var large []string
	for _, c := range catalogers {
		if l, ok := c.(LargeFiles); ok {
			large = append(large, l.LargePatterns()...)
		}
	}
	if len(large) > 0 {
		if m, err = m.WithLarge(large...); err != nil {
			return nil, err
		}
	}
	for _, c := range catalogers {
		if s, ok := c.(Sniffer); ok {
			if m, err = m.WithSniff(s.SniffName(), s.Sniff, s.SniffPatterns()...); err != nil {
				return nil, err
			}
		}
		if f, ok := c.(Filterer); ok {
			for _, filter := range f.Filters() {
				if m, err = m.WithFilter(filter); err != nil {
					return nil, err
				}
			}
		}
	}
	return m, nil
}

// IntroducedIn returns, for each key, the layer that introduced it: the
// first layer from which the key is present in every later version of a
// package database. versions are the successive contents of the database
// file (layerfs.FS.History), and keys parses one version into the set of
// package keys it lists. Keys absent from the final version are omitted.
func IntroducedIn(versions []layerfs.Version, keys func([]byte) map[string]bool) map[string]int {
	since := map[string]int{}
	for _, v := range versions {
		var present map[string]bool
		if !v.Deleted {
			present = keys(v.Data)
		}
		for k := range since {
			if !present[k] {
				delete(since, k)
			}
		}
		for k := range present {
			if _, ok := since[k]; !ok {
				since[k] = v.Layer
			}
		}
	}
	return since
}

// MergeSame reports a package found in several files once: packages with
// the same key, ecosystem and package URL become one whose Locations and
// Licenses are the union of theirs, whose Layer is the lowest, and which
// is Dev only if every occurrence is. The order of first occurrences is
// kept.
func MergeSame(pkgs []inventory.Package) []inventory.Package {
	index := map[string]int{}
	out := pkgs[:0:0]
	for _, p := range pkgs {
		k := p.Key() + "\x00" + p.Ecosystem + "\x00" + p.PURL
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			p.Locations = slices.Clone(p.Locations)
			p.Licenses = slices.Clone(p.Licenses)
			out = append(out, p)
			continue
		}
		m := &out[i]
		m.Layer = min(m.Layer, p.Layer)
		m.Dev = m.Dev && p.Dev
		for _, l := range p.Locations {
			if !slices.Contains(m.Locations, l) {
				m.Locations = append(m.Locations, l)
			}
		}
		for _, l := range p.Licenses {
			if !slices.Contains(m.Licenses, l) {
				m.Licenses = append(m.Licenses, l)
			}
		}
	}
	for i := range out {
		slices.Sort(out[i].Locations)
	}
	return out
}
