// Package rpm catalogs RPM packages from rpm's database, in any of its
// three formats: SQLite (rpm 4.16 and later: RHEL 9, Fedora 33+), NDB
// (SUSE) and BerkeleyDB (older releases: RHEL 8, CentOS 7).
//
// Databases are read with github.com/knqyf263/go-rpmdb, guarded against
// hostile files (see guard.go): a corrupt database in an image costs a
// warning, never the process.
package rpm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/purl"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// dbDirs are the directories rpm keeps its database in: the current one
// (rpm 4.16+, where Fedora links var/lib/rpm to it) first.
func dbDirs() []string { return []string{"usr/lib/sysimage/rpm", "var/lib/rpm"} }

// dbFiles are the database files of each format, newest format first. rpm
// uses one of them per directory.
func dbFiles() []string { return []string{"rpmdb.sqlite", "Packages.db", "Packages"} }

// walSuffix names SQLite's write-ahead log, which holds the transactions
// committed since the last checkpoint: a database copied from a layer is
// complete only with it.
const walSuffix = "-wal"

// maxHistory bounds the versions of one database that layer attribution
// reads (see Catalog).
const maxHistory = 32

// maxProblems bounds the warnings about single headers of one database.
const maxProblems = 50

// Cataloger reads rpm databases.
type Cataloger struct {
	// TempDir is where databases are written for go-rpmdb, which reads
	// only files: each Catalog call makes a private directory in it and
	// removes it when done. Empty means os.TempDir().
	TempDir string
}

// New returns an rpm cataloger that writes its temporary files under
// tempDir ("" for the system's temporary directory).
func New(tempDir string) *Cataloger { return &Cataloger{TempDir: tempDir} }

// Name implements catalog.Cataloger.
func (*Cataloger) Name() string { return "rpm" }

// Patterns implements catalog.Cataloger.
func (*Cataloger) Patterns() []string {
	var out []string
	for _, d := range dbDirs() {
		for _, f := range dbFiles() {
			out = append(out, d+"/"+f)
			if f == "rpmdb.sqlite" {
				out = append(out, d+"/"+f+walSuffix)
			}
		}
	}
	return out
}

// LargePatterns implements catalog.LargeFiles: an rpm BerkeleyDB of a
// full RHEL or CentOS system passes 100 MB.
func (c *Cataloger) LargePatterns() []string { return c.Patterns() }

// Catalog implements catalog.Cataloger.
//
// Each package's Layer is the layer from which it has been in the database
// at its version (catalog.IntroducedIn over the versions of the database
// file, and of its SQLite log, that the layers wrote). Every version is
// read in full, but headers are parsed once per distinct content, so the
// cost is about that of reading the final database once per layer that
// changed it. Past maxHistory versions, the first one and the latest
// maxHistory-1 are read: a package added in a version left out is
// attributed to the next version read.
func (c *Cataloger) Catalog(ctx context.Context, fsys *layerfs.FS, env *catalog.Env) ([]inventory.Package, error) {
	var r *reader // made when a database is found: most images have none
	defer func() {
		if r != nil {
			r.Close()
		}
	}()
	var (
		pkgs []inventory.Package
		errs []error
		read = map[string]bool{} // resolved database paths
		keys = map[string]bool{} // packages already reported
	)
	for _, dir := range dbDirs() {
		var present []string // resolved paths, newest format first
		for _, f := range dbFiles() {
			if info, err := fsys.Stat(dir + "/" + f); err == nil && info.Type == layerfs.TypeFile {
				present = append(present, info.Path)
			}
		}
		if len(present) == 0 || read[present[0]] {
			continue
		}
		db := present[0]
		read[db] = true
		for _, other := range present[1:] {
			if !read[other] {
				read[other] = true
				env.Warn(-1, "/"+other, fmt.Sprintf("not read: rpm uses /%s, the newer database format in the same directory", db))
			}
		}
		if r == nil {
			var err error
			if r, err = newReader(c.TempDir); err != nil {
				return nil, err
			}
		}
		found, err := c.fromDB(ctx, fsys, env, r, db)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("/%s: %w", db, err))
			continue
		}
		for _, p := range found {
			if !keys[p.Key()] {
				keys[p.Key()] = true
				pkgs = append(pkgs, p)
			}
		}
	}
	if len(errs) > 0 {
		if len(pkgs) == 0 {
			return nil, errors.Join(errs...)
		}
		for _, err := range errs {
			env.Warn(-1, "", err.Error())
		}
	}
	return pkgs, nil
}

// fromDB reads the database at dbPath, a resolved path.
func (c *Cataloger) fromDB(ctx context.Context, fsys *layerfs.FS, env *catalog.Env, r *reader, dbPath string) ([]inventory.Package, error) {
	data, layer, err := fsys.ReadFile(dbPath)
	if err != nil {
		return nil, fmt.Errorf("failed to read rpm database: %w", err)
	}
	var wal []byte
	withWAL := detect(data) == formatSQLite
	if withWAL && fsys.Exists(dbPath+walSuffix) {
		w, walLayer, err := fsys.ReadFile(dbPath + walSuffix)
		if err != nil {
			env.Warn(walLayer, "/"+dbPath+walSuffix, fmt.Sprintf("not read, packages committed since the last checkpoint may be missing: %v", err))
		} else {
			wal = w
		}
	}
	headers, err := r.read(ctx, data, wal)
	if err != nil {
		return nil, err
	}
	if bad := badHeaders(headers); bad > 0 && bad == len(headers) {
		return nil, fmt.Errorf("none of the %d package headers could be read; the first: %w", bad, headers[0].err)
	}
	introduced := c.introducedIn(ctx, fsys, r, dbPath, withWAL)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	ns, eco, distro := namespace(env.OS), Ecosystem(env.OS), purl.Distro(env.OS)
	problems := 0
	warn := func(msg string) {
		if problems++; problems <= maxProblems {
			env.Warn(layer, "/"+dbPath, msg)
		} else if problems == maxProblems+1 {
			env.Warn(layer, "/"+dbPath, "more problems with package headers not shown")
		}
	}
	budget := &fileBudget{}
	pkgs := make([]inventory.Package, 0, len(headers))
	for i, ph := range headers {
		if ph.err != nil {
			warn(fmt.Sprintf("package header %d skipped: %v", i+1, ph.err))
			continue
		}
		h := ph.h
		switch {
		case h.name == "gpg-pubkey":
			continue // an imported signing key, not a package
		case h.name == "" || h.version == "":
			warn(fmt.Sprintf("package header %d skipped: no name or version", i+1))
			continue
		}
		p := inventory.Package{
			Name:      h.name,
			Version:   evr(h.epoch, h.version, h.release),
			Arch:      h.arch,
			Type:      inventory.TypeRPM,
			Ecosystem: eco,
			Licenses:  licenses(h.license),
			Layer:     layer,
			Locations: []string{"/" + dbPath},
		}
		p.SourceName, p.SourceVersion = source(h)
		if l, ok := introduced[h.key()]; ok {
			p.Layer = l
		}
		files, problem := h.files(budget)
		if problem != "" {
			warn(fmt.Sprintf("%s: %s", h.name, problem))
		}
		p.Files = files
		p.PURL = purl.OSPackage{
			Type:      inventory.TypeRPM,
			Namespace: ns,
			Name:      h.name,
			// The purl spec puts the epoch in a qualifier, not in the
			// version.
			Version:  vr(h.version, h.release),
			Arch:     h.arch,
			Epoch:    epochString(h.epoch),
			Distro:   distro,
			Upstream: h.sourceRPM, // the source rpm file name, as Syft writes it
		}.String()
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// introducedIn attributes the packages of the database at dbPath to layers
// (see Catalog). Versions that cannot be read count as empty.
func (c *Cataloger) introducedIn(ctx context.Context, fsys *layerfs.FS, r *reader, dbPath string, withWAL bool) map[string]int {
	var walHistory []layerfs.Version
	if withWAL {
		walHistory = fsys.History(dbPath + walSuffix)
	}
	states := dbStates(fsys.History(dbPath), walHistory)
	if len(states) > maxHistory {
		states = append(states[:1], states[len(states)-(maxHistory-1):]...)
	}
	// catalog.IntroducedIn hands keys the Data of each version; here a
	// version is a pair of files, so Data carries the index of the state.
	versions := make([]layerfs.Version, len(states))
	for i, s := range states {
		versions[i] = layerfs.Version{Layer: s.layer, Deleted: s.db == nil, Data: []byte(strconv.Itoa(i))}
	}
	return catalog.IntroducedIn(versions, func(b []byte) map[string]bool {
		i, _ := strconv.Atoi(string(b))
		if ctx.Err() != nil {
			return nil
		}
		headers, err := r.read(ctx, states[i].db, states[i].wal)
		if err != nil {
			return nil
		}
		keys := make(map[string]bool, len(headers))
		for _, ph := range headers {
			if ph.err == nil {
				keys[ph.h.key()] = true
			}
		}
		return keys
	})
}

// badHeaders counts the headers that could not be parsed.
func badHeaders(headers []parsed) int {
	n := 0
	for _, h := range headers {
		if h.err != nil {
			n++
		}
	}
	return n
}

// dbState is a database as one layer left it: its file, and its SQLite log.
type dbState struct {
	layer   int
	db, wal []byte // db is nil when the database is absent
}

// dbStates merges the histories of a database file and of its log into the
// successive states of the database, one per layer that changed either.
func dbStates(dbHistory, walHistory []layerfs.Version) []dbState {
	var states []dbState
	var db, wal []byte
	i, j := 0, 0
	for i < len(dbHistory) || j < len(walHistory) {
		layer := -1
		if i < len(dbHistory) {
			layer = dbHistory[i].Layer
		}
		if j < len(walHistory) && (layer < 0 || walHistory[j].Layer < layer) {
			layer = walHistory[j].Layer
		}
		for ; i < len(dbHistory) && dbHistory[i].Layer == layer; i++ {
			db = dbHistory[i].Data
			if dbHistory[i].Deleted {
				db = nil
			}
		}
		for ; j < len(walHistory) && walHistory[j].Layer == layer; j++ {
			wal = walHistory[j].Data
			if walHistory[j].Deleted {
				wal = nil
			}
		}
		states = append(states, dbState{layer: layer, db: db, wal: wal})
	}
	return states
}

// evr is the version vigil reports: "VERSION-RELEASE", with "EPOCH:" in
// front when the epoch is above 0. Epoch 0 and no epoch compare equal in
// rpm (rpmvercmp), so both are written without one, as rpm -q writes them;
// the PURL carries the epoch in its own qualifier instead.
func evr(epoch *int, version, release string) string {
	if e := epochString(epoch); e != "" {
		return e + ":" + vr(version, release)
	}
	return vr(version, release)
}

func vr(version, release string) string {
	if release == "" {
		return version
	}
	return version + "-" + release
}

// epochString is the epoch when it is above 0, or "".
func epochString(epoch *int) string {
	if epoch == nil || *epoch <= 0 {
		return ""
	}
	return strconv.Itoa(*epoch)
}

// source returns the source package name and version: those of the source
// rpm the package was built from, with the binary package's epoch (source
// rpm file names carry none, and a spec gives all its packages one epoch),
// or the package's own when the source rpm is not named.
func source(h *header) (name, version string) {
	if n, v, ok := parseSourceRPM(h.sourceRPM); ok {
		if e := epochString(h.epoch); e != "" {
			v = e + ":" + v
		}
		return n, v
	}
	return h.name, evr(h.epoch, h.version, h.release)
}

// parseSourceRPM splits a source rpm file name, NAME-VERSION-RELEASE.src.rpm
// (or .nosrc.rpm), into NAME and VERSION-RELEASE.
func parseSourceRPM(s string) (name, versionRelease string, ok bool) {
	base, ok := strings.CutSuffix(s, ".src.rpm")
	if !ok {
		if base, ok = strings.CutSuffix(s, ".nosrc.rpm"); !ok {
			return "", "", false
		}
	}
	r := strings.LastIndexByte(base, '-')
	if r <= 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(base[:r], '-')
	if v <= 0 || v+1 == r || r+1 == len(base) {
		return "", "", false
	}
	return base[:v], base[v+1:], true
}

// licenses returns the License tag as declared, split into its parts when
// it is a plain conjunction ("GPL-2.0-or-later AND MIT", or Fedora's older
// "GPLv2+ and MIT"), since each part then applies. Anything with OR, WITH
// or parentheses is kept whole: splitting it would change what it says.
// Unlike Alpine's, rpm's license is never a space-separated list ("Public
// Domain" is one license).
func licenses(declared string) []string {
	declared = strings.TrimSpace(declared)
	if declared == "" {
		return nil
	}
	fields := strings.Fields(declared)
	var out []string
	var cur []string
	for _, f := range fields {
		switch {
		case strings.EqualFold(f, "OR"), strings.EqualFold(f, "WITH"), strings.ContainsAny(f, "()"):
			return []string{declared}
		case strings.EqualFold(f, "AND"):
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, " "))
			}
			cur = nil
		default:
			cur = append(cur, f)
		}
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// namespace is the PURL namespace of rpm packages on os: the vendor as
// Syft and Trivy write it ("redhat" for RHEL, "opensuse" for every openSUSE,
// "amazon" for Amazon Linux), and the os-release ID otherwise (centos,
// rocky, almalinux, fedora...). Without an os-release there is none; the
// purl spec allows that.
func namespace(os *inventory.OS) string {
	if os == nil {
		return ""
	}
	switch {
	case os.ID == "rhel":
		return "redhat"
	case os.ID == "amzn":
		return "amazon"
	case strings.HasPrefix(os.ID, "opensuse"):
		return "opensuse"
	}
	return os.ID
}

// Ecosystem returns the OSV ecosystem of rpm packages on os, or "" when
// OSV has none for it (Fedora, CentOS, Amazon Linux, Oracle Linux...) or
// vigil cannot name it from os-release:
//
//   - "Rocky Linux:9", "AlmaLinux:9", "Mageia:9": OSV's release suffix is
//     the major version.
//   - "openSUSE:Leap 15.5", "openSUSE:Tumbleweed".
//   - "Red Hat:9". OSV's Red Hat ecosystem is suffixed with a CPE product
//     stream ("Red Hat:enterprise_linux:9::baseos"), which depends on the
//     repository each package came from and is not in the rpm database;
//     "Red Hat:<major>" names the release, and matching must expand it to
//     the streams of that release.
//   - SUSE Linux Enterprise gets none: OSV names its products by
//     marketing name, which os-release does not give reliably.
func Ecosystem(os *inventory.OS) string {
	if os == nil {
		return ""
	}
	major, _, _ := strings.Cut(os.VersionID, ".")
	if major == "" || strings.Trim(major, "0123456789") != "" {
		major = ""
	}
	switch os.ID {
	case "rhel":
		if major != "" {
			return "Red Hat:" + major
		}
	case "rocky":
		if major != "" {
			return "Rocky Linux:" + major
		}
	case "almalinux":
		if major != "" {
			return "AlmaLinux:" + major
		}
	case "mageia":
		if major != "" {
			return "Mageia:" + major
		}
	case "opensuse-leap":
		if os.VersionID != "" {
			return "openSUSE:Leap " + os.VersionID
		}
	case "opensuse-tumbleweed":
		return "openSUSE:Tumbleweed"
	}
	return ""
}
