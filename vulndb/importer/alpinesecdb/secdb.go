// Package alpinesecdb turns Alpine's security database (secdb,
// https://secdb.alpinelinux.org/, one JSON file per release and repository:
// vX.Y/main.json, vX.Y/community.json) into OSV records shaped like the
// OSV conversions of the same data: one record per advisory identifier,
// id "ALPINE-<identifier>", the identifier in upstream, and one affected
// entry per release, package and fixed version: ecosystem "Alpine:vX.Y",
// one ECOSYSTEM range from "0" to the secfix version.
//
// A secfix version "0" is Alpine's way of saying the package was never
// affected (see the secfixes section of the APKBUILD reference,
// https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#secfixes): such an
// entry gives no affected range; it is counted in Stats.NotAffected.
//
// A secfixes entry is normally one CVE id, but real entries also hold
// several ids ("CVE-2018-3620 CVE-2018-3646 XSA-273") or an id and a
// comment ("CVE-2018-14879 (tcpdump -V)"). Words from the first
// parenthesis on are a comment; words that are not identifier-shaped
// ("N/A", "CVE", "CVE-????-?????") are dropped and counted in
// Stats.Ignored. Every CVE id of an entry gets its own record, since one
// entry may list distinct vulnerabilities fixed together; the entry's other
// identifiers (XSA-273, ZDI-CAN-22093) name the same fix, so they go to
// aliases when the entry has one CVE and to related when it has several.
// An entry without a CVE id gives one record, named by its first
// identifier, with the others as aliases.
//
// The secdb carries no dates, so Modified is left zero.
//
// The JSON is decoded as a stream with encoding/json: one package object at
// a time, each bounded in size, and the number of (identifier, package,
// version) entries kept for grouping is bounded too.
package alpinesecdb

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Limits on hostile input. The largest real file (edge/community.json) is
// 166 kB; all releases together hold 85,000 entries.
const (
	maxValueBytes = 4 << 20   // one top-level value or one package object
	maxEntries    = 1_000_000 // (identifier, package, version) entries kept per read
)

// Errors returned for input that breaks a limit or is not a secdb file.
var (
	ErrValueTooLarge = errors.New("alpinesecdb: value larger than 4 MiB")
	ErrTooMany       = errors.New("alpinesecdb: more than 1,000,000 secfix entries")
	ErrNotSecdb      = errors.New("alpinesecdb: not a secdb document")
)

// Stats counts what a read saw and produced.
type Stats struct {
	Files       int // secdb files read
	Packages    int // package objects read
	Fixes       int // identifier x fixed version entries turned into ranges
	NotAffected int // entries under version "0": never affected, no range
	Ignored     int // words in secfixes entries that are not identifiers
	Records     int // OSV records emitted
}

// Read decodes one secdb document from r and calls emit with one record per
// advisory identifier, sorted by id. It stops at the first error from the
// input, from emit, or from ctx.
func Read(ctx context.Context, r io.Reader, emit func(*osv.Vulnerability) error) (Stats, error) {
	c := newCollector()
	if err := c.read(ctx, r); err != nil {
		return c.stats, err
	}
	return c.stats, c.emit(ctx, emit)
}

// ReadDir reads every vX.Y/*.json (and edge/*.json) file of a secdb tree,
// as laid out on secdb.alpinelinux.org, and emits one record per advisory
// identifier across all releases, sorted by id.
func ReadDir(ctx context.Context, fsys fs.FS, emit func(*osv.Vulnerability) error) (Stats, error) {
	names, err := fs.Glob(fsys, "*/*.json")
	if err != nil {
		return Stats{}, err
	}
	c := newCollector()
	for _, name := range names {
		if err := c.readFile(ctx, fsys, name); err != nil {
			return c.stats, err
		}
	}
	if c.stats.Files == 0 {
		return c.stats, fmt.Errorf("%w: no */*.json files", ErrNotSecdb)
	}
	return c.stats, c.emit(ctx, emit)
}

type collector struct {
	stats      Stats
	entries    int
	maxEntries int
	byID       map[string]*advisory
}

// advisory is what a read gathered for one identifier.
type advisory struct {
	affected         map[affectedKey]bool
	aliases, related map[string]bool
}

type affectedKey struct{ ecosystem, name, fixed string }

func newCollector() *collector {
	return &collector{maxEntries: maxEntries, byID: map[string]*advisory{}}
}

func (c *collector) readFile(ctx context.Context, fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := c.read(ctx, f); err != nil {
		return fmt.Errorf("%s: %w", path.Clean(name), err)
	}
	return nil
}

// budgetReader fails once more than max bytes are read since the last
// reset: encoding/json buffers a whole value, so this bounds its memory.
type budgetReader struct {
	r      io.Reader
	n, max int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n >= b.max {
		return 0, ErrValueTooLarge
	}
	if int64(len(p)) > b.max-b.n {
		p = p[:b.max-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// document is the streaming state of one secdb file.
type document struct {
	dec     *json.Decoder
	budget  *budgetReader
	release string
	pending []packageEntry // packages seen before "distroversion"
}

type packageEntry struct {
	Pkg struct {
		Name     string              `json:"name"`
		Secfixes map[string][]string `json:"secfixes"`
	} `json:"pkg"`
}

func (c *collector) read(ctx context.Context, r io.Reader) error {
	b := &budgetReader{r: r, max: maxValueBytes}
	d := &document{dec: json.NewDecoder(b), budget: b}
	if err := d.expectDelim('{'); err != nil {
		return err
	}
	for d.dec.More() {
		if err := c.field(ctx, d); err != nil {
			return err
		}
	}
	if err := d.expectDelim('}'); err != nil {
		return err
	}
	if d.release == "" {
		return fmt.Errorf("%w: no distroversion", ErrNotSecdb)
	}
	for i := range d.pending {
		if err := c.add(d.release, &d.pending[i]); err != nil {
			return err
		}
	}
	c.stats.Files++
	return nil
}

func (d *document) expectDelim(want json.Delim) error {
	d.budget.n = 0
	tok, err := d.dec.Token()
	if err != nil {
		return fmt.Errorf("alpinesecdb: %w", err)
	}
	if tok != want {
		return fmt.Errorf("%w: found %v where %v belongs", ErrNotSecdb, tok, want)
	}
	return nil
}

// field decodes one member of the top-level object.
func (c *collector) field(ctx context.Context, d *document) error {
	d.budget.n = 0
	tok, err := d.dec.Token()
	if err != nil {
		return fmt.Errorf("alpinesecdb: %w", err)
	}
	switch tok {
	case "distroversion":
		if err := d.dec.Decode(&d.release); err != nil {
			return fmt.Errorf("alpinesecdb: distroversion: %w", err)
		}
		if d.release == "" || strings.ContainsAny(d.release, ": /") {
			return fmt.Errorf("%w: distroversion %q", ErrNotSecdb, d.release)
		}
		return nil
	case "packages":
		return c.packages(ctx, d)
	default:
		var skip json.RawMessage
		if err := d.dec.Decode(&skip); err != nil {
			return fmt.Errorf("alpinesecdb: %v: %w", tok, err)
		}
		return nil
	}
}

// packages decodes the packages array one package at a time.
func (c *collector) packages(ctx context.Context, d *document) error {
	if err := d.expectDelim('['); err != nil {
		return err
	}
	for d.dec.More() {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.budget.n = 0
		var p packageEntry
		if err := d.dec.Decode(&p); err != nil {
			return fmt.Errorf("alpinesecdb: package: %w", err)
		}
		c.stats.Packages++
		if d.release == "" {
			if err := c.hold(d, p); err != nil {
				return err
			}
			continue
		}
		if err := c.add(d.release, &p); err != nil {
			return err
		}
	}
	return d.expectDelim(']')
}

// hold keeps a package that came before "distroversion", counting its
// entries against the limit.
func (c *collector) hold(d *document, p packageEntry) error {
	for _, entries := range p.Pkg.Secfixes {
		c.entries += len(entries)
	}
	if c.entries > c.maxEntries {
		return ErrTooMany
	}
	d.pending = append(d.pending, p)
	return nil
}

// add records the secfixes of one package.
func (c *collector) add(release string, p *packageEntry) error {
	name := strings.TrimSpace(p.Pkg.Name)
	if name == "" {
		return fmt.Errorf("%w: package without a name", ErrNotSecdb)
	}
	for version, entries := range p.Pkg.Secfixes {
		version = strings.TrimSpace(version)
		for _, entry := range entries {
			e := parseEntry(entry)
			c.stats.Ignored += e.ignored
			if version == "0" || version == "" {
				c.stats.NotAffected += len(e.primary)
				continue
			}
			k := affectedKey{"Alpine:" + release, name, version}
			if err := c.put(&e, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// put adds one fixed version to the records that an entry names.
func (c *collector) put(e *entry, k affectedKey) error {
	others := "aliases"
	if len(e.primary) > 1 {
		others = "related"
	}
	for _, id := range e.primary {
		a := c.byID[id]
		if a == nil {
			a = &advisory{affected: map[affectedKey]bool{}, aliases: map[string]bool{}, related: map[string]bool{}}
			c.byID[id] = a
		}
		if !a.affected[k] {
			a.affected[k] = true
			c.stats.Fixes++
		}
		for _, o := range e.others {
			if others == "aliases" {
				a.aliases[o] = true
			} else {
				a.related[o] = true
			}
		}
		c.entries += 1 + len(e.others)
		if c.entries > c.maxEntries {
			return ErrTooMany
		}
	}
	return nil
}

var (
	// identifierRE matches advisory identifiers as Alpine writes them:
	// CVE-2021-3711, XSA-273, GHSA-fhpf-pp6p-55qc, wnpa-sec-2017-18,
	// ALPINE-13661, CVE_2019-2426. Words without a separator ("CVE",
	// "XPTI"), with placeholder digits ("CVE-????-?????") or "N/A" are not
	// identifiers.
	identifierRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9.]+)+$`)
	cveRE        = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
)

// entry is one secfixes entry split into the identifiers that get records
// and the others that name the same fix.
type entry struct {
	primary, others []string
	ignored         int
}

func parseEntry(s string) entry {
	var e entry
	var cves, ids []string
	words := strings.Fields(s)
	for i, w := range words {
		if strings.HasPrefix(w, "(") {
			e.ignored += len(words) - i
			break
		}
		switch {
		case !identifierRE.MatchString(w) || slices.Contains(ids, w):
			e.ignored++
		case cveRE.MatchString(w):
			cves = append(cves, w)
			ids = append(ids, w)
		default:
			ids = append(ids, w)
		}
	}
	switch {
	case len(cves) > 0:
		e.primary = cves
		e.others = slices.DeleteFunc(ids, func(id string) bool { return slices.Contains(cves, id) })
	case len(ids) > 0:
		e.primary, e.others = ids[:1], ids[1:]
	}
	return e
}

func (c *collector) emit(ctx context.Context, emit func(*osv.Vulnerability) error) error {
	ids := make([]string, 0, len(c.byID))
	for id := range c.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(record(id, c.byID[id])); err != nil {
			return err
		}
		c.stats.Records++
		delete(c.byID, id)
	}
	return nil
}

// dbSpecific is the database_specific object of every record: the same as
// in the OSV conversions of the secdb.
var dbSpecific = json.RawMessage(`{"source":"Alpine secdb (converted)"}`)

func record(id string, a *advisory) *osv.Vulnerability {
	keys := make([]affectedKey, 0, len(a.affected))
	for k := range a.affected {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b affectedKey) int {
		return cmp.Or(cmp.Compare(a.ecosystem, b.ecosystem), cmp.Compare(a.name, b.name), cmp.Compare(a.fixed, b.fixed))
	})
	v := &osv.Vulnerability{
		SchemaVersion:    "1.6.0",
		ID:               "ALPINE-" + id,
		Upstream:         []string{id},
		Aliases:          sortedKeys(a.aliases, id),
		Related:          sortedKeys(a.related, id),
		DatabaseSpecific: dbSpecific,
	}
	for _, k := range keys {
		v.Affected = append(v.Affected, osv.Affected{
			Package: osv.Package{Ecosystem: k.ecosystem, Name: k.name},
			Ranges: []osv.Range{{
				Type:   osv.RangeEcosystem,
				Events: []osv.Event{{Introduced: "0"}, {Fixed: k.fixed}},
			}},
		})
	}
	return v
}

// sortedKeys lists a set without the record's own id; nil when empty.
func sortedKeys(set map[string]bool, self string) []string {
	var out []string
	for k := range set {
		if k != self {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
