// Package ruby catalogs Ruby gems: the gems installed in a gem directory
// (GEM_HOME and the like: their specifications/*.gemspec, including the
// default gems of specifications/default/) and the gems that Bundler's
// Gemfile.lock (and Gemfile.next.lock) files pin.
//
// The same gem (name, version and platform) found in several places, an
// installed specification and the Gemfile.lock that installed it say, is
// reported once, with every file it was found in as a Location and the
// lowest of their layers.
//
// Default gems (cgi, uri, net-http... that ship with Ruby itself) are
// reported like the others, as Syft does: they are versioned gems that
// have advisories of their own, and "gem update cgi" replaces them.
//
// Gemfile.lock files inside an installed gem (gems/NAME-VERSION/ next to
// specifications/NAME-VERSION.gemspec, or a git checkout under
// bundler/gems/) are the gem's own development locks: they installed
// nothing in the image and are not read. Syft reads them, and reports
// gems that are not there.
package ruby

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

// Ecosystem is the OSV ecosystem of Ruby gems.
const Ecosystem = "RubyGems"

// Limits bound the work one file can cause. The zero value of a field
// means its default in DefaultLimits.
type Limits struct {
	// MaxGemspecSize is the largest specification parsed.
	MaxGemspecSize int
	// MaxLockSize is the largest Gemfile.lock parsed.
	MaxLockSize int
}

// DefaultLimits are far above real files: the specification of the
// bundler default gem, which lists all its files, is 12 kB, and the lock
// files of large Rails applications are tens of kilobytes.
var DefaultLimits = Limits{MaxGemspecSize: 1 << 20, MaxLockSize: 16 << 20}

// Cataloger finds Ruby gems.
type Cataloger struct {
	lim Limits
}

// New returns a cataloger with the default limits.
func New() *Cataloger { return NewWithLimits(Limits{}) }

// NewWithLimits returns a cataloger with the given limits.
func NewWithLimits(l Limits) *Cataloger {
	d := DefaultLimits
	if l.MaxGemspecSize > 0 {
		d.MaxGemspecSize = l.MaxGemspecSize
	}
	if l.MaxLockSize > 0 {
		d.MaxLockSize = l.MaxLockSize
	}
	return &Cataloger{lim: d}
}

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "ruby" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string {
	return []string{
		"**/specifications/*.gemspec",
		"**/specifications/default/*.gemspec",
		"**/Gemfile.lock",
		"**/Gemfile.next.lock", // next_rails' dual boot, which Syft reads too
	}
}

// kind is what a matched file is.
type kind int

const (
	kindNone kind = iota
	kindGemspec
	kindLock
)

// kindOf classifies a matched path; it agrees with Patterns (a test
// checks it).
func kindOf(p string) kind {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case strings.HasSuffix(base, ".gemspec") && path.Base(dir) == "specifications":
		return kindGemspec
	case strings.HasSuffix(base, ".gemspec") && path.Base(dir) == "default" && path.Base(path.Dir(dir)) == "specifications":
		return kindGemspec
	case base == "Gemfile.lock" || base == "Gemfile.next.lock":
		return kindLock
	}
	return kindNone
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	s := &scan{c: c, fsys: fsys, env: env, byKey: map[string]int{}}
	for _, info := range fsys.Matched() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch kindOf(info.Path) {
		case kindGemspec:
			s.gemspec(info.Path)
		case kindLock:
			if !s.insideGem(info.Path) {
				s.lock(info.Path)
			}
		}
	}
	for i := range s.pkgs {
		slices.Sort(s.pkgs[i].Locations)
	}
	slices.SortFunc(s.pkgs, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Arch, b.Arch))
	})
	return s.pkgs, nil
}

// scan is the state of one Catalog call.
type scan struct {
	c     *Cataloger
	fsys  *layerfs.FS
	env   *catalog.Env
	pkgs  []inventory.Package
	byKey map[string]int // name, version, platform -> index in pkgs
}

// add records a gem found at location, or merges it into the same gem
// found elsewhere.
func (s *scan) add(name, version, platform string, licenses []string, layer int, location, purl string) {
	key := name + "\x00" + version + "\x00" + platform
	if i, ok := s.byKey[key]; ok {
		p := &s.pkgs[i]
		p.Layer = min(p.Layer, layer)
		if !slices.Contains(p.Locations, location) {
			p.Locations = append(p.Locations, location)
		}
		for _, l := range licenses {
			if !slices.Contains(p.Licenses, l) {
				p.Licenses = append(p.Licenses, l)
			}
		}
		return
	}
	s.byKey[key] = len(s.pkgs)
	s.pkgs = append(s.pkgs, inventory.Package{
		Name: name, Version: version, Arch: platform,
		Type: inventory.TypeGem, Ecosystem: Ecosystem, PURL: purl,
		Licenses: slices.Clone(licenses), Layer: layer, Locations: []string{location},
	})
}

// read returns a captured file, warning when it cannot or when it is over
// limit bytes.
func (s *scan) read(p string, limit int) ([]byte, int, bool) {
	data, layer, err := s.fsys.ReadFile(p)
	if err != nil {
		if info, serr := s.fsys.Lstat(p); serr == nil {
			layer = info.Layer
		}
		msg := err.Error()
		if errors.Is(err, layerfs.ErrNotCaptured) {
			msg = "skipped: file not read (over the size limit)"
		}
		s.env.Warn(layer, "/"+p, msg)
		return nil, layer, false
	}
	if len(data) > limit {
		s.env.Warn(layer, "/"+p, fmt.Sprintf("skipped: %d bytes, over the limit of %d", len(data), limit))
		return nil, layer, false
	}
	return data, layer, true
}

// gemspec catalogs an installed specification: the layer that wrote the
// file introduced the gem.
func (s *scan) gemspec(p string) {
	data, layer, ok := s.read(p, s.c.lim.MaxGemspecSize)
	if !ok {
		return
	}
	spec, problems := ParseGemspec(data)
	for _, pr := range problems {
		s.env.Warn(layer, "/"+p, pr)
	}
	switch {
	case spec.Name == "" || spec.Version == "":
		s.env.Warn(layer, "/"+p, "gem specification without a name or version")
		return
	case !validName(spec.Name) || !validVersion(spec.Version) || !validPlatform(spec.Platform):
		s.env.Warn(layer, "/"+p, fmt.Sprintf("invalid gem name, version or platform %q %q %q", trim(spec.Name), trim(spec.Version), trim(spec.Platform)))
		return
	}
	s.add(spec.Name, spec.Version, spec.Platform, spec.Licenses, layer, "/"+p, PURL(spec.Name, spec.Version, spec.Platform))
}

// lock catalogs a Gemfile.lock. A gem belongs to the layer from which the
// file has listed it without a break (catalog.IntroducedIn), not to the
// last layer that rewrote the file.
func (s *scan) lock(p string) {
	data, layer, ok := s.read(p, s.c.lim.MaxLockSize)
	if !ok {
		return
	}
	locked, problems := ParseGemfileLock(data)
	for _, pr := range problems {
		s.env.Warn(layer, "/"+p, pr)
	}
	if len(locked) == 0 && len(data) > 0 {
		s.env.Warn(layer, "/"+p, "no gems in Gemfile.lock")
	}
	key := func(l Locked) string { return l.Name + "@" + l.Version + "-" + l.Platform }
	introduced := map[string]int{}
	if h := s.fsys.History(p); len(h) > 1 {
		introduced = catalog.IntroducedIn(h, func(b []byte) map[string]bool {
			keys := map[string]bool{}
			if len(b) <= s.c.lim.MaxLockSize {
				ls, _ := ParseGemfileLock(b)
				for _, l := range ls {
					keys[key(l)] = true
				}
			}
			return keys
		})
	}
	for _, l := range locked {
		at := layer
		if i, ok := introduced[key(l)]; ok {
			at = i
		}
		s.add(l.Name, l.Version, l.Platform, nil, at, "/"+p, l.PURL())
	}
}

// insideGem reports whether the Gemfile.lock at p belongs to the source
// of an installed gem: HOME/gems/NAME-VERSION/... with a specification
// HOME/specifications/NAME-VERSION.gemspec, or a git checkout that Bundler
// made under HOME/bundler/gems/.
func (s *scan) insideGem(p string) bool {
	comps := strings.Split(p, "/")
	for i := 0; i+2 < len(comps); i++ {
		if comps[i] != "gems" {
			continue
		}
		if i > 0 && comps[i-1] == "bundler" {
			return true
		}
		home := strings.Join(comps[:i], "/")
		if s.fsys.Exists(path.Join(home, "specifications", comps[i+1]+".gemspec")) {
			return true
		}
	}
	return false
}

// validPlatform accepts "" and platform names such as "x86_64-linux",
// "java" or "universal-darwin-21".
func validPlatform(s string) bool {
	return s == "" || validName(s) && len(s) <= 64
}

// PURL returns the package URL of a gem: platform, if not "", is the
// "platform" qualifier (purl-spec's gem type).
func PURL(name, version, platform string) string {
	var q packageurl.Qualifiers
	if platform != "" {
		q = append(q, packageurl.Qualifier{Key: "platform", Value: platform})
	}
	return packageurl.NewPackageURL(packageurl.TypeGem, "", name, version, q, "").ToString()
}

// PURL returns the package URL of a locked gem. A gem from a GIT source
// has the "vcs_url" qualifier (REMOTE@REVISION); one from a gem server
// other than rubygems.org the "repository_url" qualifier.
func (l Locked) PURL() string {
	var q packageurl.Qualifiers
	if l.Platform != "" {
		q = append(q, packageurl.Qualifier{Key: "platform", Value: l.Platform})
	}
	switch {
	case l.Source == "GEM" && l.Remote != "" && strings.TrimSuffix(l.Remote, "/") != "https://rubygems.org":
		q = append(q, packageurl.Qualifier{Key: "repository_url", Value: l.Remote})
	case l.Source == "GIT" && l.Remote != "":
		vcs := l.Remote
		if !strings.HasPrefix(vcs, "git+") {
			vcs = "git+" + vcs
		}
		if l.Revision != "" {
			vcs += "@" + l.Revision
		}
		q = append(q, packageurl.Qualifier{Key: "vcs_url", Value: vcs})
	}
	slices.SortFunc(q, func(a, b packageurl.Qualifier) int { return cmp.Compare(a.Key, b.Key) })
	return packageurl.NewPackageURL(packageurl.TypeGem, "", l.Name, l.Version, q, "").ToString()
}
