package rpm

import (
	"context"
	"os"
	"testing"
	"time"
)

// FuzzRPMDB feeds mutated databases through the path Catalog takes: format
// detection, the guards, go-rpmdb's readers, and the header parser. The
// committed corpus (testdata/fuzz/FuzzRPMDB) holds the real NDB and
// BerkeleyDB samples; the SQLite ones are added from testdata/ here, as
// they are too large to keep twice.
func FuzzRPMDB(f *testing.F) {
	for _, name := range []string{"sqlite/base/rpmdb.sqlite", "sqlite/final/rpmdb.sqlite"} {
		f.Add(readTestdata(f, name))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := newReader(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}()
		start := time.Now()
		headers, err := r.read(context.Background(), data, nil)
		if err != nil {
			return
		}
		for _, h := range headers {
			checkParsed(t, h)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%d bytes took %v", len(data), d)
		}
	})
}

// FuzzRPMHeader feeds mutated package headers to the guard and go-rpmdb's
// header parser; the corpus holds the headers of the real samples.
func FuzzRPMHeader(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, blob []byte) {
		r, err := newReader(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		start := time.Now()
		checkParsed(t, r.parse(blob))
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%d bytes took %v", len(blob), d)
		}
	})
}

// checkParsed checks what the cataloger relies on in a parsed header.
func checkParsed(t *testing.T, p parsed) {
	t.Helper()
	if (p.h == nil) == (p.err == nil) {
		t.Fatalf("header %v with error %v", p.h, p.err)
	}
	if p.h == nil {
		return
	}
	budget := &fileBudget{}
	files, _ := p.h.files(budget)
	if len(files) != budget.files {
		t.Fatalf("%d files, budget counted %d", len(files), budget.files)
	}
	_ = evr(p.h.epoch, p.h.version, p.h.release)
	_, _ = source(p.h)
}

// TestWriteFuzzCorpus writes the seed corpora from the real samples when
// asked (VIGIL_WRITE_CORPUS=1 go test -run TestWriteFuzzCorpus).
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("VIGIL_WRITE_CORPUS") == "" {
		t.Skip("set VIGIL_WRITE_CORPUS=1 to rewrite testdata/fuzz seeds")
	}
	writeCorpus(t, "FuzzRPMDB", "ndb-final", readTestdata(t, "ndb/final/Packages.db"))
	writeCorpus(t, "FuzzRPMDB", "bdb-libuuid", readTestdata(t, "bdb/libuuid/Packages"))
	r, err := newReader(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, db := range []struct{ name, file string }{
		{"sqlite", "sqlite/final/rpmdb.sqlite"},
		{"bdb", "bdb/libuuid/Packages"},
	} {
		blobs, err := r.blobs(context.Background(), readTestdata(t, db.file), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blobs {
			p := r.parse(b)
			if p.err != nil {
				t.Fatal(p.err)
			}
			writeCorpus(t, "FuzzRPMHeader", db.name+"-"+p.h.name, b)
		}
	}
}
