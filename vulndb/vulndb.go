// Package vulndb is vigil's advisory database: OSV 1.6 records in one
// embedded file under the cache directory, opened read-only by scans.
//
// The file is a bbolt database (go.etcd.io/bbolt: pure Go, one file, memory
// mapped, readers take a shared lock). Each record is stored once, as its
// compacted JSON compressed with zstd, and referenced from an index keyed
// by (ecosystem, normalized package name) for every package it affects, and
// from an index of the ids in its aliases and upstream fields. Withdrawn
// records are kept and flagged; lookups skip them.
//
// A database is never modified in place: a Builder writes a new file next to
// the old one and renames it over it, so a scan always sees a complete
// database and a failed or interrupted build leaves the previous one
// working. Update builds one from the OSV project's per-ecosystem all.zip
// exports (or a mirror of them), Import from files (an OSV zip, a directory
// of OSV JSON, a mirror tree, or a file written by Export).
package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// SchemaVersion is the version of the store's layout. A database written
// with another version is refused by Open and must be rebuilt.
const SchemaVersion = 1

// MaxAge is how old a database may get before Status.Stale reports it.
const MaxAge = 7 * 24 * time.Hour

// ErrNoDatabase is returned by Open when there is no database file.
var ErrNoDatabase = errors.New("no vulnerability database")

// ErrSchema is returned by Open for a file that is not a vigil database of
// this SchemaVersion.
var ErrSchema = errors.New("unsupported vulnerability database")

var (
	bucketMeta    = []byte("meta")
	bucketRecords = []byte("records")
	bucketPkgs    = []byte("pkgs")
	bucketLinks   = []byte("links")
	keySchema     = []byte("schema")
	keyStatus     = []byte("status")
)

// flagWithdrawn marks a withdrawn record in the first byte of its record
// value and in its index values.
const flagWithdrawn = 1

// maxDecoded bounds the size of one decompressed record.
const maxDecoded = 64 << 20

// DefaultPath is db/vigil.db under vigil's cache directory
// ($VIGIL_CACHE_DIR, or vigil under the user's cache directory).
func DefaultPath() (string, error) {
	dir, err := layercache.DefaultDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "db", "vigil.db"), nil
}

// DB is an open database, read-only. It is safe for concurrent use.
type DB struct {
	path string
	bolt *bolt.DB
	dec  *zstd.Decoder
}

// Open opens the database at path read-only, under a shared lock. It fails
// with ErrNoDatabase when the file does not exist and ErrSchema when it is
// not a database of this SchemaVersion.
func Open(path string) (*DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: run `vigil db update` (or `vigil db import`)", ErrNoDatabase, path)
	}
	b, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("failed to open vulnerability database %s: %w", path, err)
	}
	if err := checkSchema(b); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s: %w: run `vigil db update` to rebuild it", path, err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxDecoded))
	if err != nil {
		b.Close()
		return nil, err
	}
	return &DB{path: path, bolt: b, dec: dec}, nil
}

func checkSchema(b *bolt.DB) error {
	return b.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || tx.Bucket(bucketRecords) == nil || tx.Bucket(bucketPkgs) == nil || tx.Bucket(bucketLinks) == nil {
			return fmt.Errorf("%w: not a vigil vulnerability database", ErrSchema)
		}
		if got := string(meta.Get(keySchema)); got != fmt.Sprint(SchemaVersion) {
			return fmt.Errorf("%w: store schema %q, this vigil reads %d", ErrSchema, got, SchemaVersion)
		}
		return nil
	})
}

// Close releases the database.
func (db *DB) Close() error {
	db.dec.Close()
	return db.bolt.Close()
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Affecting returns the records with an affected[] entry for the package
// name in ecosystem (an OSV ecosystem string such as "Debian:12", "Go" or
// "PyPI"), in id order, withdrawn records excluded. The name is normalized
// as NormalizeName does; the ecosystem must match exactly.
func (db *DB) Affecting(ecosystem, name string) ([]*osv.Vulnerability, error) {
	return db.scan(bucketPkgs, pkgPrefix(ecosystem, name))
}

// ByAlias returns the records that name id (typically a CVE id) in their
// aliases or upstream fields, in id order, withdrawn records excluded. The
// record whose own id is id, if any, is Get's.
func (db *DB) ByAlias(id string) ([]*osv.Vulnerability, error) {
	return db.scan(bucketLinks, linkPrefix(id))
}

// scan decodes the records referenced by the index keys under prefix
// (prefix followed by a record id) in bucket.
func (db *DB) scan(bucket, prefix []byte) ([]*osv.Vulnerability, error) {
	var out []*osv.Vulnerability
	err := db.bolt.View(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		var ids, raws [][]byte
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(v) > 0 && v[0]&flagWithdrawn != 0 {
				continue
			}
			id := k[len(prefix):]
			ids, raws = append(ids, id), append(raws, records.Get(id))
		}
		var err error
		out, err = db.decodeAll(ids, raws)
		return err
	})
	return out, err
}

// decodeAll decodes records on up to GOMAXPROCS goroutines: decoding JSON
// is most of a lookup's cost.
func (db *DB) decodeAll(ids, raws [][]byte) ([]*osv.Vulnerability, error) {
	out := make([]*osv.Vulnerability, len(ids))
	errs := make([]error, len(ids))
	workers := min(runtime.GOMAXPROCS(0), len(ids)/8+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(ids); i += workers {
				out[i], errs[i] = db.decode(ids[i], raws[i])
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// Get returns the record with the given id, withdrawn or not, or nil when
// there is none.
func (db *DB) Get(id string) (*osv.Vulnerability, error) {
	var rec *osv.Vulnerability
	err := db.bolt.View(func(tx *bolt.Tx) error {
		val := tx.Bucket(bucketRecords).Get([]byte(id))
		if val == nil {
			return nil
		}
		var err error
		rec, err = db.decode([]byte(id), val)
		return err
	})
	return rec, err
}

// ForEach calls fn for every record, withdrawn ones included, in id order,
// with the name of the source it came from. It stops at fn's first error.
func (db *DB) ForEach(fn func(v *osv.Vulnerability, source string) error) error {
	return db.forEachRaw(func(id []byte, val storedValue) error {
		rec, err := db.decodeJSON(id, val)
		if err != nil {
			return err
		}
		v, err := osv.Decode(rec)
		if err != nil {
			return fmt.Errorf("record %s: %w", id, err)
		}
		return fn(v, val.source)
	})
}

// forEachRaw calls fn with every stored record value.
func (db *DB) forEachRaw(fn func(id []byte, val storedValue) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).ForEach(func(k, v []byte) error {
			val, err := parseValue(v)
			if err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			return fn(k, val)
		})
	})
}

func (db *DB) decode(id, raw []byte) (*osv.Vulnerability, error) {
	if raw == nil {
		return nil, fmt.Errorf("vulnerability database is corrupt: index names missing record %s", id)
	}
	val, err := parseValue(raw)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", id, err)
	}
	data, err := db.decodeJSON(id, val)
	if err != nil {
		return nil, err
	}
	var v osv.Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("record %s: %w", id, err)
	}
	return &v, nil
}

// decodeJSON decompresses a stored record's JSON.
func (db *DB) decodeJSON(id []byte, val storedValue) ([]byte, error) {
	data, err := db.dec.DecodeAll(val.zjson, nil)
	if err != nil {
		return nil, fmt.Errorf("record %s: failed to decompress: %w", id, err)
	}
	return data, nil
}

// Status describes the database: where its records came from, how many
// there are, and how old they are.
func (db *DB) Status() (Status, error) {
	var st Status
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket(bucketMeta).Get(keyStatus), &st)
	})
	if err != nil {
		return Status{}, fmt.Errorf("failed to read database status: %w", err)
	}
	st.Path = db.path
	return st, nil
}
