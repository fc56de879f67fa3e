package rpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	// go-rpmdb's sqlite3 package opens databases with the "sqlite" driver
	// but leaves registering one to its user; this is the pure Go driver
	// its go.mod names.
	_ "github.com/glebarez/go-sqlite"
	rpmdb "github.com/knqyf263/go-rpmdb/pkg"
	"github.com/knqyf263/go-rpmdb/pkg/bdb"
	dbi "github.com/knqyf263/go-rpmdb/pkg/db"
	"github.com/knqyf263/go-rpmdb/pkg/ndb"
	"github.com/knqyf263/go-rpmdb/pkg/sqlite3"
)

// Bounds on what one database can make the cataloger do. Real databases
// hold a few thousand packages at most, and headers of a few megabytes;
// the file itself is bounded by layerfs.Limits.MaxFileSize.
const (
	maxPackages   = 100_000
	maxHeaderSize = 64 << 20
	// maxFiles and maxFileBytes bound the owned-file lists of one
	// database: a header can name one long directory for every one of
	// many short base names.
	maxFiles     = 4_000_000
	maxFileBytes = 256 << 20
)

// format is the storage format of an rpm database.
type format int

const (
	formatUnknown format = iota
	formatSQLite
	formatNDB
	formatBDB
)

func (f format) String() string {
	switch f {
	case formatSQLite:
		return "SQLite"
	case formatNDB:
		return "NDB"
	case formatBDB:
		return "BerkeleyDB"
	}
	return "unknown"
}

// detect tells the format of a database from its first bytes, as go-rpmdb
// would, without trusting the file name.
func detect(data []byte) format {
	switch {
	case bytes.HasPrefix(data, []byte("SQLite format 3\x00")):
		return formatSQLite
	case len(data) >= 4 && binary.LittleEndian.Uint32(data) == ndbHeaderMagic:
		return formatNDB
	case len(data) >= 16 && (binary.LittleEndian.Uint32(data[12:]) == bdbHashMagic || binary.LittleEndian.Uint32(data[12:]) == bdbHashMagicBE):
		return formatBDB
	}
	return formatUnknown
}

// header is what vigil keeps of one package header.
type header struct {
	name, version, release, arch string
	epoch                        *int
	sourceRPM, license           string
	// The file tables, joined into paths only for the packages reported
	// (not for the older versions of a database that layer attribution
	// reads).
	baseNames, dirNames []string
	dirIndexes          []int32
	fileModes           []uint16
}

// key identifies a package at one version in one database.
func (h *header) key() string {
	return h.name + "-" + evr(h.epoch, h.version, h.release) + "." + h.arch
}

// parsed is the outcome of parsing one header blob.
type parsed struct {
	h   *header
	err error
}

// reader reads rpm databases through go-rpmdb, which reads files only: it
// writes each database into a private directory under tempDir. It caches
// parsed headers by content, so that the successive versions of a database
// in an image's history cost one parse per distinct package header.
type reader struct {
	dir   string
	cache map[[32]byte]parsed
}

func newReader(tempDir string) (*reader, error) {
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	dir, err := os.MkdirTemp(tempDir, "vigil-rpmdb-")
	if err != nil {
		return nil, fmt.Errorf("failed to create a directory for rpm databases: %w", err)
	}
	return &reader{dir: dir, cache: map[[32]byte]parsed{}}, nil
}

// Close removes the reader's directory and everything in it.
func (r *reader) Close() error { return os.RemoveAll(r.dir) }

// read returns the packages of one database, and problems with single
// headers. wal is the SQLite write-ahead log beside the database, if any.
func (r *reader) read(ctx context.Context, data, wal []byte) ([]parsed, error) {
	blobs, err := r.blobs(ctx, data, wal)
	if err != nil {
		return nil, err
	}
	out := make([]parsed, 0, len(blobs))
	for _, b := range blobs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, r.parse(b))
	}
	return out, nil
}

// blobs returns the header blobs of a database.
func (r *reader) blobs(ctx context.Context, data, wal []byte) ([][]byte, error) {
	switch f := detect(data); f {
	case formatSQLite:
		return r.sqliteBlobs(ctx, data, wal)
	case formatNDB:
		if _, err := checkNDB(data); err != nil {
			return nil, err
		}
		return r.drain(ctx, "Packages.db", data, func(p string) (dbi.RpmDBInterface, error) { return ndb.Open(p) })
	case formatBDB:
		if _, err := checkBDB(data); err != nil {
			return nil, err
		}
		return r.drain(ctx, "Packages", data, func(p string) (dbi.RpmDBInterface, error) { return bdb.Open(p) })
	default:
		return nil, errors.New("not an rpm database (neither SQLite, NDB nor BerkeleyDB)")
	}
}

// drain writes data to a file, opens it with one of go-rpmdb's readers and
// reads every entry. Reading to the end, errors included, is what lets the
// reader's goroutine finish (go-rpmdb's own ListPackages stops at the
// first error and leaves it blocked forever).
func (r *reader) drain(ctx context.Context, name string, data []byte, open func(string) (dbi.RpmDBInterface, error)) ([][]byte, error) {
	p := filepath.Join(r.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return nil, fmt.Errorf("failed to write rpm database: %w", err)
	}
	defer os.Remove(p)
	db, err := open(p)
	if err != nil {
		return nil, fmt.Errorf("failed to open rpm database: %w", err)
	}
	defer db.Close()
	var blobs [][]byte
	var firstErr error
	for e := range db.Read() {
		switch {
		case e.Err != nil:
			if firstErr == nil {
				firstErr = e.Err
			}
		case firstErr == nil && ctx.Err() == nil && len(blobs) < maxPackages:
			blobs = append(blobs, e.Value)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		return nil, fmt.Errorf("failed to read rpm database: %w", firstErr)
	}
	return blobs, nil
}

// sqliteBlobs reads the Packages table of an SQLite database. go-rpmdb
// opens it; the query is run here rather than by go-rpmdb's reader, so
// that it runs under ctx and in this goroutine.
func (r *reader) sqliteBlobs(ctx context.Context, data, wal []byte) (blobs [][]byte, err error) {
	dir, err := os.MkdirTemp(r.dir, "sqlite-")
	if err != nil {
		return nil, fmt.Errorf("failed to create a directory for the rpm database: %w", err)
	}
	// SQLite makes -shm (and, with no -wal, -wal) files beside the
	// database, and checkpoints into it on close: all of it is a copy.
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "rpmdb.sqlite")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return nil, fmt.Errorf("failed to write rpm database: %w", err)
	}
	if len(wal) > 0 {
		if err := os.WriteFile(p+"-wal", wal, 0o600); err != nil {
			return nil, fmt.Errorf("failed to write rpm database log: %w", err)
		}
	}
	db, err := sqlite3.Open(p)
	if err != nil {
		return nil, fmt.Errorf("failed to open rpm database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	if err := checkSQLiteSchema(ctx, db.DB); err != nil {
		return nil, err
	}
	// Stored blobs are bounded by the files they are stored in; checking
	// the lengths first (SQLite reads them from the record headers) keeps
	// a corrupt record that claims a huge payload from being loaded.
	var count, largest, total sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT count(*), max(length(blob)), sum(length(blob)) FROM Packages").Scan(&count, &largest, &total); err != nil {
		return nil, fmt.Errorf("failed to read rpm database: %w", err)
	}
	limit := int64(len(data) + len(wal))
	switch {
	case count.Int64 > maxPackages:
		return nil, fmt.Errorf("rpm database lists %d packages, more than %d", count.Int64, maxPackages)
	case largest.Int64 > maxHeaderSize, total.Int64 > limit:
		return nil, fmt.Errorf("rpm database headers claim %d bytes in a %d byte database", total.Int64, limit)
	}
	rows, err := db.QueryContext(ctx, "SELECT blob FROM Packages")
	if err != nil {
		return nil, fmt.Errorf("failed to read rpm database: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("failed to read rpm database: %w", err)
		}
		if len(blobs) == maxPackages {
			return nil, fmt.Errorf("rpm database lists more than %d packages", maxPackages)
		}
		blobs = append(blobs, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("failed to read rpm database: %w", err)
	}
	return blobs, nil
}

// checkSQLiteSchema makes sure that Packages is what rpm creates, a plain
// table with a stored blob column: a view, a virtual table or a generated
// column in a crafted database would make SQLite compute rows (without
// end, or of any size) instead of reading them.
func checkSQLiteSchema(ctx context.Context, db *sql.DB) error {
	var typ, ddl sql.NullString
	err := db.QueryRowContext(ctx, "SELECT type, sql FROM sqlite_master WHERE lower(name) = 'packages'").Scan(&typ, &ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return errors.New("rpm database has no Packages table")
	}
	if err != nil {
		return fmt.Errorf("failed to read rpm database: %w", err)
	}
	if typ.String != "table" || strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ddl.String)), "CREATE VIRTUAL") {
		return fmt.Errorf("rpm database Packages is a %s, not a table", typ.String)
	}
	rows, err := db.QueryContext(ctx, "SELECT name, hidden FROM pragma_table_xinfo('Packages')")
	if err != nil {
		return fmt.Errorf("failed to read rpm database: %w", err)
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var name string
		var hidden int
		if err := rows.Scan(&name, &hidden); err != nil {
			return fmt.Errorf("failed to read rpm database: %w", err)
		}
		if strings.EqualFold(name, "blob") {
			found = true
			if hidden != 0 {
				return errors.New("rpm database Packages.blob is a generated column")
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("failed to read rpm database: %w", err)
	}
	if !found {
		return errors.New("rpm database Packages table has no blob column")
	}
	return nil
}

// parse parses one header blob, once per distinct content.
func (r *reader) parse(blob []byte) parsed {
	sum := sha256.Sum256(blob)
	if p, ok := r.cache[sum]; ok {
		return p
	}
	h, err := r.parseHeader(blob)
	p := parsed{h: h, err: err}
	r.cache[sum] = p
	return p
}

// parseHeader parses one header with go-rpmdb. Its header parser is
// reachable only through RpmDB.ListPackages, which needs a database file,
// stops at the first bad header and then leaves its reader goroutine
// blocked: so each header is written into a database of its own, an NDB
// file with one slot, whose reader finishes whatever happens to the header.
// A bad header costs its own package and nothing else.
func (r *reader) parseHeader(blob []byte) (h *header, err error) {
	if err := checkHeader(blob); err != nil {
		return nil, err
	}
	p := filepath.Join(r.dir, "header.db")
	if err := os.WriteFile(p, oneHeaderNDB(blob), 0o600); err != nil {
		return nil, fmt.Errorf("failed to write rpm header: %w", err)
	}
	defer os.Remove(p)
	db, err := rpmdb.Open(p)
	if err != nil {
		return nil, fmt.Errorf("failed to open rpm header: %w", err)
	}
	defer db.Close()
	defer func() {
		// The parser runs in this goroutine: a panic is a bad header.
		if v := recover(); v != nil {
			h, err = nil, fmt.Errorf("malformed header (parser panic: %v)", v)
		}
	}()
	pkgs, err := db.ListPackages()
	if err != nil {
		return nil, fmt.Errorf("malformed header: %w", err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("malformed header: %d packages in one header", len(pkgs))
	}
	return newHeader(pkgs[0]), nil
}

// oneHeaderNDB returns an NDB database (rpm's lib/backend/ndb/rpmpkg.c
// layout) holding blob as its only package: one page of slots, then the
// blob.
func oneHeaderNDB(blob []byte) []byte {
	le := binary.LittleEndian
	out := make([]byte, ndbPageSize+ndbBlobHeader+len(blob))
	le.PutUint32(out[0:], ndbHeaderMagic)
	le.PutUint32(out[4:], 0) // version
	le.PutUint32(out[8:], 1) // generation
	le.PutUint32(out[12:], 1)
	for i := range ndbSlotsPerPage - 2 {
		le.PutUint32(out[32+i*ndbSlotSize:], ndbSlotMagic)
	}
	le.PutUint32(out[32+4:], 1)                         // package index
	le.PutUint32(out[32+8:], ndbPageSize/ndbBlobHeader) // offset, in 16-byte blocks
	le.PutUint32(out[32+12:], uint32((ndbBlobHeader+len(blob)+ndbBlobHeader-1)/ndbBlobHeader))
	b := out[ndbPageSize:]
	le.PutUint32(b[0:], ndbBlobMagic)
	le.PutUint32(b[4:], 1)
	le.PutUint32(b[12:], uint32(len(blob)))
	copy(b[ndbBlobHeader:], blob)
	return out
}

// newHeader keeps what vigil needs of a parsed package.
func newHeader(p *rpmdb.PackageInfo) *header {
	return &header{
		name:       p.Name,
		version:    p.Version,
		release:    p.Release,
		arch:       p.Arch,
		epoch:      p.Epoch,
		sourceRPM:  p.SourceRpm,
		license:    p.License,
		baseNames:  p.BaseNames,
		dirNames:   p.DirNames,
		dirIndexes: p.DirIndexes,
		fileModes:  p.FileModes,
	}
}

// fileBudget bounds the owned-file lists built from one database.
type fileBudget struct{ files, bytes int }

// files joins the header's base names to their directories as rpm does
// (the directory names end with a slash), leaving out directories when the
// file modes say which entries are. go-rpmdb's InstalledFileNames does the
// same join but panics on a negative directory index. It returns a problem
// when the tables are inconsistent or the budget runs out.
func (h *header) files(b *fileBudget) ([]string, string) {
	if len(h.baseNames) == 0 || (len(h.baseNames) == 1 && h.baseNames[0] == "" && len(h.dirIndexes) == 0) {
		return nil, "" // go-rpmdb yields one empty name for an absent tag
	}
	if len(h.dirIndexes) != len(h.baseNames) {
		return nil, fmt.Sprintf("file list not read: %d base names but %d directory indexes", len(h.baseNames), len(h.dirIndexes))
	}
	modes := h.fileModes
	if len(modes) != len(h.baseNames) {
		modes = nil
	}
	for _, d := range h.dirIndexes {
		if d < 0 || int(d) >= len(h.dirNames) {
			return nil, fmt.Sprintf("file list not read: directory index %d out of range", d)
		}
	}
	files := make([]string, 0, len(h.baseNames))
	for i, base := range h.baseNames {
		d := h.dirIndexes[i]
		if modes != nil && modes[i]&0o170000 == 0o040000 {
			continue
		}
		n := len(h.dirNames[d]) + len(base)
		if b.files >= maxFiles || b.bytes+n > maxFileBytes {
			return files, fmt.Sprintf("file list cut short: the database's file lists exceed %d files or %d bytes", maxFiles, maxFileBytes)
		}
		b.files++
		b.bytes += n
		files = append(files, h.dirNames[d]+base)
	}
	return files, ""
}
