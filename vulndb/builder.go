package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// batchSize is how many records one write transaction holds.
const batchSize = 4096

// maxWarnings is how many warning messages a Builder keeps; the rest are
// only counted.
const maxWarnings = 100

// Builder writes a new database. Records are added from any number of
// sources; Commit writes the indexes and atomically replaces the
// destination. A Builder that is not committed must be closed, which
// removes its temporary file.
type Builder struct {
	dir      string
	tmp      string
	db       *bolt.DB
	enc      *zstd.Encoder
	records  map[string]*entry
	pending  []pendingRecord
	sources  map[string]*Source
	order    []string
	warnings []string
	now      func() time.Time
}

// entry is what the Builder remembers of a record until Commit writes the
// indexes.
type entry struct {
	source    string
	modified  time.Time
	withdrawn bool
	pkgs      []string // "ecosystem\x00normalized name"
	links     []string // ids in aliases and upstream
}

type pendingRecord struct {
	id  string
	val []byte
}

// NewBuilder starts a database in a temporary file in dir, which must be
// the directory of the destination given to Commit (so that the final
// rename is atomic). dir is created if needed.
func NewBuilder(dir string) (*Builder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create database directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".vigil-db-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("failed to create database: %w", err)
	}
	tmp := f.Name()
	f.Close()
	if err := os.Chmod(tmp, 0o644); err != nil { // CreateTemp makes it 0600
		os.Remove(tmp)
		return nil, err
	}
	db, err := bolt.Open(tmp, 0o644, &bolt.Options{NoSync: true, NoFreelistSync: true})
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("failed to create database: %w", err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		db.Close()
		os.Remove(tmp)
		return nil, err
	}
	return &Builder{
		dir: dir, tmp: tmp, db: db, enc: enc,
		records: map[string]*entry{},
		sources: map[string]*Source{},
		now:     time.Now,
	}, nil
}

// SetSource records the metadata of a source (URL, HTTP validators, fetch
// time). Counts are computed by Commit and ignored here.
func (b *Builder) SetSource(s Source) {
	src := b.source(s.Name)
	src.URL, src.ETag, src.LastModified, src.Fetched = s.URL, s.ETag, s.LastModified, s.Fetched
}

func (b *Builder) source(name string) *Source {
	if s, ok := b.sources[name]; ok {
		return s
	}
	s := &Source{Name: name}
	b.sources[name] = s
	b.order = append(b.order, name)
	return s
}

// Add stores v as coming from source. A record that fails validation is
// skipped: it is counted in the source's Skipped, remembered as a warning,
// and the validation error (wrapping osv.ErrInvalid) is returned. When a
// record with the same id was added before, the one with the newer
// `modified` time is kept (the later one on a tie).
func (b *Builder) Add(v *osv.Vulnerability, source string) error {
	if err := v.Validate(); err != nil {
		return b.skip(source, err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.add(v, data, source)
}

// AddJSON decodes one OSV JSON record and adds it as Add does, keeping the
// record's JSON as it is (compacted), so that fields this model does not
// know survive. A syntax error is returned as is and not counted.
func (b *Builder) AddJSON(data []byte, source string) error {
	v, err := osv.Decode(data)
	if errors.Is(err, osv.ErrInvalid) {
		return b.skip(source, err)
	}
	if err != nil {
		return err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return err
	}
	return b.add(v, compact.Bytes(), source)
}

func (b *Builder) skip(source string, err error) error {
	b.source(source).Skipped++
	if len(b.warnings) < maxWarnings {
		b.warnings = append(b.warnings, fmt.Sprintf("%s: skipped: %v", source, err))
	}
	return err
}

// Warnings returns the messages of the records skipped so far (the first
// 100; Status counts them all per source).
func (b *Builder) Warnings() []string { return slices.Clone(b.warnings) }

func (b *Builder) add(v *osv.Vulnerability, data []byte, source string) error {
	b.source(source)
	if old, ok := b.records[v.ID]; ok && v.Modified.Before(old.modified) {
		return nil
	}
	e := newEntry(v, source)
	val := storedValue{flags: e.flags(), source: source, zjson: b.enc.EncodeAll(data, nil)}
	b.pending = append(b.pending, pendingRecord{id: v.ID, val: val.append(nil)})
	b.records[v.ID] = e
	if len(b.pending) >= batchSize {
		return b.flush()
	}
	return nil
}

// addStored adds a record value read from another database as it is.
func (b *Builder) addStored(v *osv.Vulnerability, val storedValue) error {
	b.source(val.source)
	b.pending = append(b.pending, pendingRecord{id: v.ID, val: val.append(nil)})
	b.records[v.ID] = newEntry(v, val.source)
	if len(b.pending) >= batchSize {
		return b.flush()
	}
	return nil
}

func newEntry(v *osv.Vulnerability, source string) *entry {
	e := &entry{source: source, modified: v.Modified, withdrawn: v.Withdrawn != nil}
	for _, a := range v.Affected {
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			continue
		}
		e.pkgs = append(e.pkgs, a.Package.Ecosystem+"\x00"+NormalizeName(a.Package.Ecosystem, a.Package.Name))
	}
	e.links = append(slices.Clone(v.Aliases), v.Upstream...)
	slices.Sort(e.pkgs)
	e.pkgs = slices.Compact(e.pkgs)
	slices.Sort(e.links)
	e.links = slices.Compact(e.links)
	return e
}

func (e *entry) flags() byte {
	if e.withdrawn {
		return flagWithdrawn
	}
	return 0
}

// flush writes the pending records in one transaction.
func (b *Builder) flush() error {
	if len(b.pending) == 0 {
		return nil
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketRecords)
		if err != nil {
			return err
		}
		for _, p := range b.pending {
			if err := bk.Put([]byte(p.id), p.val); err != nil {
				return err
			}
		}
		return nil
	})
	b.pending = b.pending[:0]
	if err != nil {
		return fmt.Errorf("failed to write database: %w", err)
	}
	return nil
}

// Commit writes the indexes and the status, syncs the file and renames it
// to dst, which must be in the Builder's directory. It returns the status
// written. Until the rename, the previous file at dst is untouched. The
// Builder cannot be used afterwards.
func (b *Builder) Commit(dst string) (Status, error) {
	defer b.Close()
	if filepath.Clean(filepath.Dir(dst)) != filepath.Clean(b.dir) {
		return Status{}, fmt.Errorf("database %s must be in the builder's directory %s", dst, b.dir)
	}
	if err := b.flush(); err != nil {
		return Status{}, err
	}
	st := b.status()
	if err := b.db.Update(func(tx *bolt.Tx) error { return b.writeIndexes(tx, st) }); err != nil {
		return Status{}, fmt.Errorf("failed to write database: %w", err)
	}
	if err := b.db.Sync(); err != nil {
		return Status{}, fmt.Errorf("failed to sync database: %w", err)
	}
	if err := b.db.Close(); err != nil {
		return Status{}, fmt.Errorf("failed to close database: %w", err)
	}
	if err := os.Rename(b.tmp, dst); err != nil {
		return Status{}, fmt.Errorf("failed to install database: %w", err)
	}
	b.tmp = ""
	syncDir(b.dir)
	st.Path = dst
	return st, nil
}

// Close abandons an uncommitted build and removes its temporary file. It
// is safe to call after Commit.
func (b *Builder) Close() error {
	b.db.Close()
	b.enc.Close()
	if b.tmp == "" {
		return nil
	}
	err := os.Remove(b.tmp)
	b.tmp = ""
	return err
}

// status computes the counts of the records kept.
func (b *Builder) status() Status {
	st := Status{Schema: SchemaVersion, Built: b.now().UTC(), Ecosystems: map[string]int{}}
	for _, name := range b.order {
		s := b.sources[name]
		s.Records, s.Withdrawn, s.Ecosystems, s.Newest = 0, 0, map[string]int{}, time.Time{}
	}
	for _, e := range b.records {
		s := b.sources[e.source]
		s.Records++
		st.Records++
		if e.withdrawn {
			s.Withdrawn++
			st.Withdrawn++
		}
		if e.modified.After(s.Newest) {
			s.Newest = e.modified
		}
		if e.modified.After(st.Newest) {
			st.Newest = e.modified
		}
		for _, eco := range e.ecosystems() {
			s.Ecosystems[eco]++
			st.Ecosystems[eco]++
		}
	}
	for _, name := range b.order {
		st.Sources = append(st.Sources, *b.sources[name])
	}
	return st
}

// ecosystems lists the distinct ecosystems of the entry's packages.
func (e *entry) ecosystems() []string {
	var ecos []string
	for _, p := range e.pkgs {
		eco, _, _ := strings.Cut(p, "\x00")
		ecos = append(ecos, eco)
	}
	return slices.Compact(ecos) // e.pkgs is sorted
}

// writeIndexes writes the package and link indexes in key order (bbolt
// fills pages best with sorted keys) and the metadata.
func (b *Builder) writeIndexes(tx *bolt.Tx, st Status) error {
	if _, err := tx.CreateBucketIfNotExists(bucketRecords); err != nil {
		return err
	}
	var pkgs, links []indexKey
	for id, e := range b.records {
		for _, p := range e.pkgs {
			pkgs = append(pkgs, indexKey{p + "\x00" + id, e.flags()})
		}
		for _, l := range e.links {
			links = append(links, indexKey{l + "\x00" + id, e.flags()})
		}
	}
	if err := putSorted(tx, bucketPkgs, pkgs); err != nil {
		return err
	}
	if err := putSorted(tx, bucketLinks, links); err != nil {
		return err
	}
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return err
	}
	status, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := meta.Put(keySchema, fmt.Append(nil, SchemaVersion)); err != nil {
		return err
	}
	return meta.Put(keyStatus, status)
}

type indexKey struct {
	key   string
	flags byte
}

func putSorted(tx *bolt.Tx, name []byte, keys []indexKey) error {
	bk, err := tx.CreateBucket(name)
	if err != nil {
		return err
	}
	bk.FillPercent = 1
	slices.SortFunc(keys, func(x, y indexKey) int { return strings.Compare(x.key, y.key) })
	for _, k := range keys {
		if err := bk.Put([]byte(k.key), []byte{k.flags}); err != nil {
			return err
		}
	}
	return nil
}

// syncDir makes a rename in dir durable. Failure only weakens durability
// (some file systems cannot sync directories), so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
