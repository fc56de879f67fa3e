package vulndb

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Limits bound what one import reads, against zip bombs and enormous
// inputs. Zero fields take the defaults.
type Limits struct {
	// MaxRecord is the largest uncompressed size of one record (default
	// 16 MiB; the largest real OSV records are a few hundred KiB).
	MaxRecord int64
	// MaxTotal is the largest uncompressed size of one zip or directory
	// (default 8 GiB).
	MaxTotal int64
	// MaxFiles is the largest number of entries in one zip or directory
	// (default 4 million).
	MaxFiles int
	// MaxDownload is the largest download of one all.zip (default 4 GiB).
	MaxDownload int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxRecord <= 0 {
		l.MaxRecord = 16 << 20
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = 8 << 30
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 4_000_000
	}
	if l.MaxDownload <= 0 {
		l.MaxDownload = 4 << 30
	}
	return l
}

// ImportZip adds the OSV records (*.json entries) of the zip file at name,
// as the OSV exports publish them, under source. A file written by Export
// is recognised and restores its sources instead. Records that fail
// validation are skipped (see Add); an entry that is not JSON, over a
// limit, or a zip that is corrupt fails the import.
func (b *Builder) ImportZip(ctx context.Context, name, source string, lim Limits) error {
	return b.importZipFile(ctx, name, Source{Name: source}, lim)
}

// importZipFile is ImportZip, with the source's metadata set unless the
// zip is an export (which brings its own).
func (b *Builder) importZipFile(ctx context.Context, name string, src Source, lim Limits) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	lim = lim.withDefaults()
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return fmt.Errorf("not a readable zip (corrupt or truncated): %w", err)
	}
	if len(zr.File) > lim.MaxFiles {
		return fmt.Errorf("zip has %d entries, over the limit of %d", len(zr.File), lim.MaxFiles)
	}
	if isExport(zr) {
		return b.importExport(ctx, zr, lim)
	}
	b.SetSource(src)
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := readZipEntry(f, lim.MaxRecord, &total, lim.MaxTotal)
		if err != nil {
			return err
		}
		if err := b.addFile(data, f.Name, src.Name); err != nil {
			return err
		}
	}
	return nil
}

// addFile adds one record read from file name: invalid records are
// skipped, anything else that goes wrong fails.
func (b *Builder) addFile(data []byte, name, source string) error {
	err := b.AddJSON(data, source)
	if err == nil || errors.Is(err, osv.ErrInvalid) {
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// readZipEntry reads one entry, checking its size (declared and actual)
// against maxRecord and the running total against maxTotal.
func readZipEntry(f *zip.File, maxRecord int64, total *int64, maxTotal int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(maxRecord) {
		return nil, fmt.Errorf("%s: %d bytes uncompressed, over the limit of %d per record (zip bomb?)", f.Name, f.UncompressedSize64, maxRecord)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	data, err := readLimited(rc, maxRecord)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	*total += int64(len(data))
	if *total > maxTotal {
		return nil, fmt.Errorf("over the limit of %d bytes uncompressed in one zip (zip bomb?)", maxTotal)
	}
	return data, nil
}

// readLimited reads r to the end, failing past max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("over the limit of %d bytes per record (zip bomb?)", max)
	}
	return data, nil
}

// ImportDir adds every *.json file under dir (symbolic links are not
// followed) under source, as ImportZip does for a zip's entries.
func (b *Builder) ImportDir(ctx context.Context, dir, source string, lim Limits) error {
	lim = lim.withDefaults()
	b.source(source)
	var total int64
	files := 0
	return filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() || !strings.HasSuffix(name, ".json") {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if files++; files > lim.MaxFiles {
			return fmt.Errorf("%s: over the limit of %d files", dir, lim.MaxFiles)
		}
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		data, err := readLimited(f, lim.MaxRecord)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if total += int64(len(data)); total > lim.MaxTotal {
			return fmt.Errorf("%s: over the limit of %d bytes", dir, lim.MaxTotal)
		}
		return b.addFile(data, name, source)
	})
}

// ImportPath adds whatever path holds, recognised by its shape:
//   - a file written by Export: its records and sources;
//   - any other zip: its OSV records, under the source named by the path;
//   - a mirror tree laid out like the OSV exports (<path>/<Ecosystem>/all.zip):
//     each ecosystem's zip, under the ecosystem's name as Update does;
//   - any other directory: its *.json files, under the source named by the path.
func (b *Builder) ImportPath(ctx context.Context, name string, lim Limits) error {
	abs, err := filepath.Abs(name)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	fetched := fi.ModTime().UTC()
	if !fi.IsDir() {
		return b.importZipFile(ctx, abs, Source{Name: abs, URL: abs, Fetched: fetched}, lim)
	}
	zips, err := filepath.Glob(filepath.Join(abs, "*", "all.zip"))
	if err != nil {
		return err
	}
	if len(zips) == 0 {
		b.SetSource(Source{Name: abs, URL: abs, Fetched: fetched})
		return b.ImportDir(ctx, abs, abs, lim)
	}
	for _, z := range zips {
		eco := filepath.Base(filepath.Dir(z))
		if err := b.importZipFile(ctx, z, Source{Name: eco, URL: z, Fetched: fetched}, lim); err != nil {
			return fmt.Errorf("%s: %w", path.Join(eco, "all.zip"), err)
		}
	}
	return nil
}

// ImportOptions configure Import.
type ImportOptions struct {
	// Path is the database to write (default DefaultPath()).
	Path string
	// Merge keeps the records of the existing database, except those of
	// sources the import provides again; by default the database is
	// replaced by one built from the paths alone.
	Merge bool
	// Limits bound what is read.
	Limits Limits
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Import builds a database from the given paths (each as ImportPath reads
// it) and atomically replaces the database at opts.Path with it. On any
// error the previous database is left as it was. It returns the new
// database's status and the warnings for skipped records.
func Import(ctx context.Context, paths []string, opts ImportOptions) (Status, []string, error) {
	var readers []Reader
	for _, p := range paths {
		readers = append(readers, func(ctx context.Context, b *Builder) error {
			if err := b.ImportPath(ctx, p, opts.Limits); err != nil {
				return fmt.Errorf("failed to import %s: %w", p, err)
			}
			return nil
		})
	}
	return ImportFrom(ctx, readers, opts)
}

// A Reader adds the records of one source to a database being built.
// ImportPath reads OSV data; package vulndb/importer adds readers for
// distributions' native formats.
type Reader func(ctx context.Context, b *Builder) error

// ImportFrom is Import with the sources given as Readers.
func ImportFrom(ctx context.Context, readers []Reader, opts ImportOptions) (Status, []string, error) {
	dst, err := resolvePath(opts.Path)
	if err != nil {
		return Status{}, nil, err
	}
	b, err := NewBuilder(filepath.Dir(dst))
	if err != nil {
		return Status{}, nil, err
	}
	defer b.Close()
	if opts.Now != nil {
		b.now = opts.Now
	}
	for _, read := range readers {
		if err := read(ctx, b); err != nil {
			return Status{}, nil, err
		}
	}
	if opts.Merge {
		if err := b.mergeExisting(dst); err != nil {
			return Status{}, nil, err
		}
	}
	st, err := b.Commit(dst)
	return st, b.Warnings(), err
}

func resolvePath(p string) (string, error) {
	if p != "" {
		return p, nil
	}
	return DefaultPath()
}

// mergeExisting copies into the build the records and sources of the
// database at dst whose source the build does not already have. A missing
// database is not an error.
func (b *Builder) mergeExisting(dst string) error {
	db, err := Open(dst)
	if errors.Is(err, ErrNoDatabase) {
		return nil
	}
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Status()
	if err != nil {
		return err
	}
	fresh := map[string]bool{}
	for name := range b.sources {
		fresh[name] = true
	}
	for _, s := range st.Sources {
		if !fresh[s.Name] {
			b.SetSource(s)
		}
	}
	err = db.forEachRaw(func(id []byte, val storedValue) error {
		if fresh[val.source] {
			return nil
		}
		if _, ok := b.records[string(id)]; ok {
			return nil // the imported copy wins
		}
		v, err := db.decode(id, val.append(nil))
		if err != nil {
			return err
		}
		return b.addStored(v, val)
	})
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", dst, err)
	}
	return b.flush()
}
