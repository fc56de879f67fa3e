// Package python catalogs Python packages: distributions installed in
// site-packages or dist-packages (their .dist-info or .egg-info metadata),
// and the pinned dependencies of source trees (requirements files,
// poetry.lock, Pipfile.lock and uv.lock).
//
// Package.Name is the name as the distribution or lock file spells it
// ("PyYAML", "lazr.uri"); the package URL carries the PEP 503 normalized
// name ("pkg:pypi/pyyaml@6.0", "pkg:pypi/lazr-uri@1.0.6"), as advisory
// databases key PyPI projects by it.
//
// Distributions that an OS package installed (Debian's python3-* under
// /usr/lib/python3/dist-packages) are reported too; dropping those whose
// files an OS package owns is left to the caller.
package python

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// Ecosystem is the OSV ecosystem of PyPI packages.
const Ecosystem = "PyPI"

// maxFiles bounds the files listed for one distribution.
const maxFiles = 1 << 17

// Cataloger finds Python packages.
type Cataloger struct {
	maxHeader int
	maxLock   int
}

// Option configures a Cataloger.
type Option func(*Cataloger)

// WithMaxHeaderSize sets the largest METADATA/PKG-INFO header block read
// (default DefaultMaxHeader); longer headers are cut, with a warning.
func WithMaxHeaderSize(n int) Option { return func(c *Cataloger) { c.maxHeader = n } }

// WithMaxLockSize sets the largest requirements or lock file read (default
// DefaultMaxLockSize); larger ones are skipped with a warning.
func WithMaxLockSize(n int) Option { return func(c *Cataloger) { c.maxLock = n } }

// New returns a Python cataloger.
func New(opts ...Option) *Cataloger {
	c := &Cataloger{maxHeader: DefaultMaxHeader, maxLock: DefaultMaxLockSize}
	for _, o := range opts {
		o(c)
	}
	if c.maxHeader <= 0 {
		c.maxHeader = DefaultMaxHeader
	}
	if c.maxLock <= 0 {
		c.maxLock = DefaultMaxLockSize
	}
	return c
}

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "python" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string {
	var p []string
	for _, site := range siteDirs {
		p = append(p,
			"**/"+site+"/*.dist-info/METADATA",
			"**/"+site+"/*.dist-info/RECORD",
			"**/"+site+"/*.egg-info/PKG-INFO",
			"**/"+site+"/*.egg-info/installed-files.txt",
			"**/"+site+"/*.egg-info", // a single-file egg-info is the PKG-INFO
		)
	}
	return append(p,
		"**/requirements*.txt",
		"**/requirements/*.txt",
		"**/poetry.lock",
		"**/Pipfile.lock",
		"**/uv.lock",
	)
}

var siteDirs = []string{"site-packages", "dist-packages"}

// kind is what a file found by the walk is.
type kind int

const (
	kindNone kind = iota
	kindMetadata
	kindRequirements
	kindPoetry
	kindPipfile
	kindUV
)

// classify tells the files the cataloger reads from the others; it agrees
// with Patterns (a test checks it).
func classify(p string) kind {
	base := path.Base(p)
	dir := path.Dir(p)
	inSite := func(d string) bool { return slices.Contains(siteDirs, path.Base(d)) }
	switch {
	case base == "METADATA" && strings.HasSuffix(dir, ".dist-info") && inSite(path.Dir(dir)):
		return kindMetadata
	case base == "PKG-INFO" && strings.HasSuffix(dir, ".egg-info") && inSite(path.Dir(dir)):
		return kindMetadata
	case strings.HasSuffix(base, ".egg-info") && inSite(dir):
		return kindMetadata
	case base == "poetry.lock":
		return kindPoetry
	case base == "Pipfile.lock":
		return kindPipfile
	case base == "uv.lock":
		return kindUV
	case strings.HasSuffix(base, ".txt") && (strings.HasPrefix(base, "requirements") || path.Base(dir) == "requirements"):
		return kindRequirements
	}
	return kindNone
}

// Catalog implements catalog.Cataloger.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var found []struct {
		path string
		kind kind
	}
	for _, info := range fsys.Matched() {
		if k := classify(info.Path); k != kindNone {
			found = append(found, struct {
				path string
				kind kind
			}{info.Path, k})
		}
	}
	s := &scan{c: c, fsys: fsys, env: env, seen: map[string]int{}, warned: map[string]bool{}}
	for _, f := range found {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch f.kind {
		case kindMetadata:
			s.installed(f.path)
		case kindRequirements:
			s.requirements(f.path, 0, nil, &includeState{left: maxIncludes, read: map[string]bool{f.path: true}})
		default:
			s.lock(f.path, f.kind)
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
	// warned holds the warnings given, so that a file read from several
	// places is reported once.
	warned map[string]bool
}

// warn reports a problem once.
func (s *scan) warn(layer int, p, msg string) {
	k := fmt.Sprint(layer, "\x00", p, "\x00", msg)
	if s.warned[k] {
		return
	}
	s.warned[k] = true
	s.env.Warn(layer, p, msg)
}

// includeState bounds the files read through -r from one requirements
// file the walk found, however deep: each is read once, and at most
// maxIncludes of them.
type includeState struct {
	left int
	read map[string]bool
}

// add records p under key, or adds p's location to the package already
// recorded under it.
func (s *scan) add(key string, p inventory.Package) {
	if i, ok := s.seen[key]; ok {
		if q := &s.pkgs[i]; !slices.Contains(q.Locations, p.Locations[0]) {
			q.Locations = append(q.Locations, p.Locations[0])
		}
		return
	}
	s.seen[key] = len(s.pkgs)
	s.pkgs = append(s.pkgs, p)
}

// read returns a captured file, warning when it cannot.
func (s *scan) read(p string, limit int) ([]byte, int, bool) {
	data, layer, err := s.fsys.ReadFile(p)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, layerfs.ErrNotCaptured) {
			msg = "file not read (over a size limit?)"
		}
		if info, serr := s.fsys.Stat(p); serr == nil {
			layer = info.Layer
		}
		s.warn(layer, "/"+p, msg)
		return nil, layer, false
	}
	if limit > 0 && len(data) > limit {
		s.warn(layer, "/"+p, fmt.Sprintf("file not read: %d bytes is over the %d byte limit", len(data), limit))
		return nil, layer, false
	}
	return data, layer, true
}

func newPackage(name, version string, layer int, location string) inventory.Package {
	return inventory.Package{
		Name:      name,
		Version:   version,
		Type:      inventory.TypePyPI,
		Ecosystem: Ecosystem,
		PURL:      PURL(name, version),
		Layer:     layer,
		Locations: []string{location},
	}
}

// PURL returns the package URL of a PyPI project version.
func PURL(name, version string) string {
	return packageurl.NewPackageURL(packageurl.TypePyPi, "", Normalize(name), version, nil, "").ToString()
}

// installed catalogs the distribution whose metadata file is at p: a
// METADATA or PKG-INFO file, or a single-file egg-info.
func (s *scan) installed(p string) {
	data, layer, ok := s.read(p, 0)
	if !ok {
		return
	}
	md, cut := ParseMetadata(data, s.c.maxHeader)
	if cut {
		s.warn(layer, "/"+p, fmt.Sprintf("metadata headers cut at %d bytes", s.c.maxHeader))
	}
	infoDir := p // the .dist-info or .egg-info directory, or the egg-info file
	if path.Base(p) == "METADATA" || path.Base(p) == "PKG-INFO" {
		infoDir = path.Dir(p)
	}
	if md.Name == "" || md.Version == "" {
		name, version := nameFromDir(path.Base(infoDir))
		md.Name = cmp.Or(md.Name, name)
		md.Version = cmp.Or(md.Version, version)
	}
	if md.Name == "" || md.Version == "" {
		s.warn(layer, "/"+p, "distribution metadata without a name or version")
		return
	}
	site := path.Dir(infoDir)
	pkg := newPackage(md.Name, md.Version, layer, "/"+p)
	pkg.Licenses = md.Licenses()
	if infoDir != p {
		if strings.HasSuffix(infoDir, ".dist-info") {
			pkg.Files = s.recordFiles(infoDir+"/RECORD", site)
		} else {
			pkg.Files = s.listedFiles(infoDir+"/installed-files.txt", infoDir)
		}
	}
	s.add("installed\x00"+site+"\x00"+Normalize(md.Name)+"\x00"+md.Version, pkg)
}

// nameFromDir splits "name-version[-pyX.Y].dist-info" (or .egg-info).
func nameFromDir(dir string) (name, version string) {
	dir = strings.TrimSuffix(strings.TrimSuffix(dir, ".dist-info"), ".egg-info")
	parts := strings.Split(dir, "-")
	if len(parts) < 2 {
		return "", ""
	}
	return parts[0], parts[1]
}

// recordFiles reads a wheel's RECORD (CSV: path, hash, size); paths are
// relative to the site directory.
func (s *scan) recordFiles(p, site string) []string {
	if !s.fsys.Exists(p) {
		return nil
	}
	data, layer, ok := s.read(p, 0)
	if !ok {
		return nil
	}
	r := csv.NewReader(strings.NewReader(string(data)))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var files []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.warn(layer, "/"+p, fmt.Sprintf("malformed RECORD: %v", err))
			break
		}
		if len(rec) == 0 || rec[0] == "" {
			continue
		}
		if len(files) == maxFiles {
			s.warn(layer, "/"+p, fmt.Sprintf("more than %d files listed; the rest are left out", maxFiles))
			break
		}
		files = append(files, absolute(site, rec[0]))
	}
	return files
}

// listedFiles reads an egg-info's installed-files.txt, whose paths are
// relative to the egg-info directory.
func (s *scan) listedFiles(p, eggInfo string) []string {
	if !s.fsys.Exists(p) {
		return nil
	}
	data, layer, ok := s.read(p, 0)
	if !ok {
		return nil
	}
	var files []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(files) == maxFiles {
			s.warn(layer, "/"+p, fmt.Sprintf("more than %d files listed; the rest are left out", maxFiles))
			break
		}
		files = append(files, absolute(eggInfo, line))
	}
	return files
}

// absolute resolves a listed path against base, inside the image root.
func absolute(base, p string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join("/"+base, p)
}

// requirements catalogs the pinned lines of the requirements file p and
// of the files it includes: stack holds the files being read (to report
// include loops), and inc bounds the reading of includes.
func (s *scan) requirements(p string, depth int, stack []string, inc *includeState) {
	data, layer, ok := s.read(p, s.c.maxLock)
	if !ok {
		return
	}
	reqs, includes, problems := ParseRequirements(data)
	for _, pr := range problems {
		s.warn(layer, "/"+p, pr)
	}
	introduced := catalog.IntroducedIn(s.fsys.History(p), func(b []byte) map[string]bool {
		rs, _, _ := ParseRequirements(b)
		keys := make(map[string]bool, len(rs))
		for _, r := range rs {
			keys[Normalize(r.Name)+"@"+r.Version] = true
		}
		return keys
	})
	for _, r := range reqs {
		pkg := newPackage(r.Name, r.Version, layer, "/"+p)
		if l, ok := introduced[Normalize(r.Name)+"@"+r.Version]; ok {
			pkg.Layer = l
		}
		s.add("req\x00"+p+"\x00"+Normalize(r.Name)+"\x00"+r.Version, pkg)
	}
	stack = append(stack, p)
	for _, name := range includes {
		target := path.Join(path.Dir("/"+p), name)[1:]
		if strings.HasPrefix(name, "/") {
			target = path.Clean(name)[1:]
		}
		switch {
		case slices.Contains(stack, target):
			s.warn(layer, "/"+p, fmt.Sprintf("include loop: -r %s", name))
		case inc.read[target]:
			// Already read from this root file: same packages.
		case depth+1 > maxIncludeDepth:
			s.warn(layer, "/"+p, fmt.Sprintf("includes nested deeper than %d: -r %s not read", maxIncludeDepth, name))
		case inc.left <= 0:
			s.warn(layer, "/"+p, fmt.Sprintf("more than %d included files: -r %s not read", maxIncludes, name))
		case !s.fsys.Exists(target):
			s.warn(layer, "/"+p, fmt.Sprintf("included file /%s does not exist", target))
		default:
			inc.left--
			inc.read[target] = true
			s.requirements(target, depth+1, stack, inc)
		}
	}
}

// lock catalogs a poetry.lock, Pipfile.lock or uv.lock.
func (s *scan) lock(p string, k kind) {
	data, layer, ok := s.read(p, s.c.maxLock)
	if !ok {
		return
	}
	parse := map[kind]func([]byte) ([]Locked, error){
		kindPoetry: ParsePoetryLock, kindPipfile: ParsePipfileLock, kindUV: ParseUVLock,
	}[k]
	locked, err := parse(data)
	if err != nil {
		s.warn(layer, "/"+p, err.Error())
		return
	}
	// A package is attributed to the layer from which the lock file has
	// listed it without a break, not to the last layer that touched the
	// file.
	introduced := catalog.IntroducedIn(s.fsys.History(p), func(b []byte) map[string]bool {
		ls, _ := parse(b)
		keys := make(map[string]bool, len(ls))
		for _, l := range ls {
			keys[Normalize(l.Name)+"@"+l.Version] = true
		}
		return keys
	})
	for _, l := range locked {
		pkg := newPackage(l.Name, l.Version, layer, "/"+p)
		pkg.Dev = l.Dev
		if i, ok := introduced[Normalize(l.Name)+"@"+l.Version]; ok {
			pkg.Layer = i
		}
		s.add("lock\x00"+p+"\x00"+Normalize(l.Name)+"\x00"+l.Version, pkg)
	}
}
