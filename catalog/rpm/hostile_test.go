package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	rpmdb "github.com/knqyf263/go-rpmdb/pkg"

	"github.com/vigil-dev/vigil/layerfs"
)

// Crafted databases, each made from a real one by changing a few bytes.

// bdbPage returns page n of a little-endian BerkeleyDB database.
func bdbPage(data []byte, n int) []byte {
	ps := int(binary.LittleEndian.Uint32(data[20:]))
	return data[n*ps : (n+1)*ps]
}

// craftedBDB returns libuuid's database with one change: the pages of
// the real file are 0 (metadata), 1 and 2 (hash pages, one value each) and
// 3 to 22 (one overflow chain, the libuuid header).
func craftedBDB(t testing.TB, change func(data []byte)) []byte {
	data := bytes.Clone(readTestdata(t, "bdb/libuuid/Packages"))
	change(data)
	return data
}

// hoffPage returns the hash page of libuuid's database whose value is the
// header's overflow chain, and the value's offset in it.
func hoffPage(t testing.TB, data []byte) ([]byte, int) {
	for _, n := range []int{1, 2} {
		p := bdbPage(data, n)
		v := int(binary.LittleEndian.Uint16(p[28:]))
		if p[v] == bdbHashOffPage {
			return p, v
		}
	}
	t.Fatal("no overflow value in libuuid's database")
	return nil, 0
}

var bdbHazards = map[string]func(t testing.TB, data []byte){
	// A value offset past the end of the page: go-rpmdb indexes with it.
	"entry offset out of the page": func(t testing.TB, data []byte) {
		p, _ := hoffPage(t, data)
		binary.LittleEndian.PutUint16(p[28:], 0xffff)
	},
	// An overflow chain that reaches a hash page: go-rpmdb's loop
	// `continue`s without moving to the next page.
	"chain into a hash page": func(t testing.TB, data []byte) {
		binary.LittleEndian.PutUint32(bdbPage(data, 21)[16:], 1)
	},
	// A cyclic chain: go-rpmdb appends the same pages forever.
	"cyclic chain": func(t testing.TB, data []byte) {
		binary.LittleEndian.PutUint32(bdbPage(data, 22)[16:], 3)
	},
	// A last page whose content length wraps in uint16 arithmetic.
	"free area offset wraps": func(t testing.TB, data []byte) {
		binary.LittleEndian.PutUint16(bdbPage(data, 22)[22:], 0xfff0)
	},
	// An odd entry count that would make go-rpmdb's index slice wrap.
	"entry index wraps": func(t testing.TB, data []byte) {
		p, _ := hoffPage(t, data)
		binary.LittleEndian.PutUint16(p[20:], 0x7ff0)
	},
}

// craftedNDB returns the real NDB database with one change.
func craftedNDB(t testing.TB, change func(data []byte)) []byte {
	data := bytes.Clone(readTestdata(t, "ndb/final/Packages.db"))
	change(data)
	return data
}

// ndbSlot returns slot i of an NDB database.
func ndbSlot(data []byte, i int) []byte { return data[32+i*ndbSlotSize:] }

var ndbHazards = map[string]func(t testing.TB, data []byte){
	// go-rpmdb allocates what the blob header claims: 4 GiB here.
	"blob length 4 GiB": func(t testing.TB, data []byte) {
		off := int(binary.LittleEndian.Uint32(ndbSlot(data, 0)[8:])) * 16
		binary.LittleEndian.PutUint32(data[off+12:], 0xfffffff0)
	},
	// Every slot names the same blob: go-rpmdb reads it once per slot.
	"slots share a blob": func(t testing.TB, data []byte) {
		first := bytes.Clone(ndbSlot(data, 0)[:16])
		for i := 1; i < 200; i++ {
			copy(ndbSlot(data, i), first)
		}
	},
	// go-rpmdb prints "bad slot magic" to standard output.
	"bad slot magic": func(t testing.TB, data []byte) {
		copy(ndbSlot(data, 3), "XXXX")
	},
	// A slot pointing past the end of the file.
	"blob offset past the end": func(t testing.TB, data []byte) {
		binary.LittleEndian.PutUint32(ndbSlot(data, 0)[8:], 0xffffffff)
	},
	// More slot pages than the file holds.
	"slot pages truncated": func(t testing.TB, data []byte) {
		binary.LittleEndian.PutUint32(data[12:], 2000)
	},
}

// realHeader returns the header blob of package name from the final
// database.
func realHeader(t testing.TB, name string) []byte {
	t.Helper()
	r, err := newReader(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	blobs, err := r.blobs(context.Background(), readTestdata(t, "sqlite/final/rpmdb.sqlite"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		if p := r.parse(b); p.err == nil && p.h.name == name {
			return b
		}
	}
	t.Fatalf("no header for %s", name)
	return nil
}

// headerEntry returns the index entry (16 bytes) and data of tag in a
// header blob.
func headerEntry(t testing.TB, blob []byte, tag uint32) (entry, data []byte) {
	il := int(binary.BigEndian.Uint32(blob))
	start := 8 + 16*il
	for i := range il {
		e := blob[8+16*i : 8+16*i+16]
		if binary.BigEndian.Uint32(e) == tag {
			return e, blob[start+int(binary.BigEndian.Uint32(e[8:])):]
		}
	}
	t.Fatalf("no tag %d in header", tag)
	return nil, nil
}

const (
	tagBaseNames  = 1117
	tagDirIndexes = 1116
)

var headerHazards = map[string]func(t testing.TB, blob []byte) []byte{
	// go-rpmdb allocates 16 bytes times the index length before checking
	// it against the blob: 32 GiB here.
	"index length 2^31-1": func(t testing.TB, blob []byte) []byte {
		binary.BigEndian.PutUint32(blob, 0x7fffffff)
		return blob
	},
	// A string array whose count exceeds its strings: go-rpmdb's
	// strtaglen loops count times, rescanning the rest of the data.
	"string count 2^32-1": func(t testing.TB, blob []byte) []byte {
		e, _ := headerEntry(t, blob, tagBaseNames)
		binary.BigEndian.PutUint32(e[12:], 0xffffffff)
		return blob
	},
	// A negative directory index: go-rpmdb's InstalledFileNames indexes
	// with it.
	"negative directory index": func(t testing.TB, blob []byte) []byte {
		_, d := headerEntry(t, blob, tagDirIndexes)
		binary.BigEndian.PutUint32(d, 0xffffffff)
		return blob
	},
	"truncated": func(t testing.TB, blob []byte) []byte { return blob[:len(blob)/2] },
}

// TestGoRPMDBHazards runs go-rpmdb alone, in a child process, on the
// crafted databases: it documents what the guards stand in front of. Each
// either crashes the child or does not finish in time.
func TestGoRPMDBHazards(t *testing.T) {
	if name := os.Getenv("VIGIL_RPMDB_HAZARD"); name != "" {
		// The child: let go-rpmdb read the file, as it is.
		db, err := rpmdb.Open(name)
		if err == nil {
			_, err = db.ListPackages()
		}
		// A panic in go-rpmdb's reader goroutine closes the channel (a
		// deferred close) before it ends the process: ListPackages may
		// return first, with no packages and no error. Give it time.
		time.Sleep(2 * time.Second)
		os.Exit(map[bool]int{true: 3, false: 0}[err != nil])
	}
	if testing.Short() {
		t.Skip("runs child processes for seconds")
	}
	cases := map[string][]byte{
		"bdb: entry offset out of the page": craftedBDB(t, func(d []byte) { bdbHazards["entry offset out of the page"](t, d) }),
		"bdb: cyclic chain":                 craftedBDB(t, func(d []byte) { bdbHazards["cyclic chain"](t, d) }),
		"bdb: chain into a hash page":       craftedBDB(t, func(d []byte) { bdbHazards["chain into a hash page"](t, d) }),
		"bdb: free area offset wraps":       craftedBDB(t, func(d []byte) { bdbHazards["free area offset wraps"](t, d) }),
		"header: string count 2^32-1":       oneHeaderNDB(headerHazards["string count 2^32-1"](t, bytes.Clone(realHeader(t, "vigil-hello")))),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "db")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGoRPMDBHazards$")
			cmd.Env = append(os.Environ(), "VIGIL_RPMDB_HAZARD="+p)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			switch {
			case ctx.Err() != nil:
				t.Logf("go-rpmdb did not finish in 3s")
			case errors.As(err, &exit) && bytes.Contains(out, []byte("panic:")):
				t.Logf("go-rpmdb crashed: %s", firstLine(out, "panic:"))
			default:
				t.Errorf("go-rpmdb survived (%v): the hazard is gone, and its guard may be too strict\n%s", err, out)
			}
		})
	}
}

func firstLine(out []byte, prefix string) string {
	i := bytes.Index(out, []byte(prefix))
	line, _, _ := strings.Cut(string(out[i:]), "\n")
	return line
}

// TestHostileDatabases feeds crafted, truncated and garbage databases to
// the cataloger: each must end quickly, without leaking goroutines or
// temporary files, and the crafted and garbage ones in a warning or an
// error (a database cut short may still be readable).
func TestHostileDatabases(t *testing.T) {
	cases := map[string][]byte{}
	truncated := map[string]bool{}
	for name, change := range bdbHazards {
		cases["bdb: "+name] = craftedBDB(t, func(d []byte) { change(t, d) })
	}
	for name, change := range ndbHazards {
		cases["ndb: "+name] = craftedNDB(t, func(d []byte) { change(t, d) })
	}
	for name, change := range headerHazards {
		cases["header: "+name] = oneHeaderNDB(change(t, bytes.Clone(realHeader(t, "vigil-hello"))))
	}
	for _, f := range []string{"sqlite/final/rpmdb.sqlite", "ndb/final/Packages.db", "bdb/libuuid/Packages"} {
		data := readTestdata(t, f)
		for _, n := range []int{0, 1, 15, 16, 100, 511, 512, 4096, 4097, len(data) / 3, len(data) / 2, len(data) - 1} {
			if n < len(data) {
				name := f + " truncated to " + strconv.Itoa(n)
				cases[name], truncated[name] = data[:n], true
			}
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 50<<20)
	for i := range garbage {
		garbage[i] = byte(rnd.Uint32())
	}
	cases["50 MiB of garbage"] = garbage
	for magic, prefix := range map[string][]byte{
		"sqlite": []byte("SQLite format 3\x00"),
		"ndb":    {'R', 'p', 'm', 'P', 0, 0, 0, 0, 1, 0, 0, 0, 0xff, 0x07, 0, 0},
		"bdb":    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x15, 0x06, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},
	} {
		g := bytes.Clone(garbage)
		copy(g, prefix)
		cases["50 MiB of garbage after the "+magic+" magic"] = g
	}

	dir := t.TempDir()
	c := New(dir)
	before := runtime.NumGoroutine()
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/Packages", data)))
			var warnings []string
			e := env(t)
			e.Warn = func(_ int, _, msg string) { warnings = append(warnings, msg) }
			start := time.Now()
			pkgs, err := c.Catalog(context.Background(), fsys, e)
			elapsed := time.Since(start)
			t.Logf("%d packages, error %v, warnings %q, %v", len(pkgs), err, warnings, elapsed)
			if err == nil && len(warnings) == 0 && !truncated[name] {
				t.Errorf("no error and no warning")
			}
			if elapsed > 10*time.Second {
				t.Errorf("took %v", elapsed)
			}
		})
	}
	assertEmpty(t, dir)
	// The readers' goroutines, and database/sql's, have all finished.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestNegativeDirectoryIndex: the package is kept, without its files.
func TestNegativeDirectoryIndex(t *testing.T) {
	blob := headerHazards["negative directory index"](t, bytes.Clone(realHeader(t, "vigil-hello")))
	c := New(t.TempDir())
	var warnings []string
	e := env(t)
	e.Warn = func(_ int, _, msg string) { warnings = append(warnings, msg) }
	fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/Packages.db", oneHeaderNDB(blob))))
	pkgs, err := c.Catalog(context.Background(), fsys, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Name != "vigil-hello" || pkgs[0].Files != nil {
		t.Errorf("got %+v, want vigil-hello without files", pkgs)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "directory index -1 out of range") {
		t.Errorf("warnings: %q", warnings)
	}
}

// TestHostileSQLite: a crafted SQLite database could make SQLite compute
// rows rather than read them.
func TestHostileSQLite(t *testing.T) {
	cases := map[string][]string{
		"endless view": {
			`CREATE VIEW Packages AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT i AS hnum, randomblob(1000) AS blob FROM n`,
		},
		"generated blob": {
			`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x INTEGER, blob BLOB GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL)`,
			`INSERT INTO Packages (x) VALUES (1)`,
		},
		"no Packages table": {
			`CREATE TABLE Other (blob BLOB)`,
		},
		"too many rows": {
			`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 100001) INSERT INTO Packages (blob) SELECT x'00' FROM n`,
		},
		"garbage headers": {
			`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`,
			`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000) INSERT INTO Packages (blob) SELECT randomblob(i) FROM n`,
		},
	}
	c := New(t.TempDir())
	for name, stmts := range cases {
		t.Run(name, func(t *testing.T) {
			data := sqliteDB(t, stmts...)
			fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/rpmdb.sqlite", data)))
			start := time.Now()
			pkgs, err := c.Catalog(context.Background(), fsys, env(t))
			t.Logf("%d packages, error %v, %v", len(pkgs), err, time.Since(start))
			if err == nil {
				t.Errorf("no error")
			}
		})
	}
}

// sqliteDB makes an SQLite database with the given statements.
func sqliteDB(t testing.TB, stmts ...string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFileListBound: one long directory named by a million short base
// names stays within the file-name budget.
func TestFileListBound(t *testing.T) {
	n := 1_000_000
	h := &header{
		name:       "wide",
		baseNames:  slices.Repeat([]string{"a"}, n),
		dirIndexes: make([]int32, n),
		dirNames:   []string{"/" + strings.Repeat("d", 4000) + "/"},
	}
	budget := &fileBudget{}
	files, problem := h.files(budget)
	if budget.bytes > maxFileBytes || len(files) == n || !strings.Contains(problem, "cut short") {
		t.Errorf("%d files, %d bytes, problem %q", len(files), budget.bytes, problem)
	}
}

// TestLongHistory: a database rewritten by more layers than maxHistory.
// The first version and the latest are read; a package added in a version
// left out is attributed to the next version read.
func TestLongHistory(t *testing.T) {
	c := New(t.TempDir())
	base := readTestdata(t, "sqlite/base/rpmdb.sqlite")
	final := readTestdata(t, "sqlite/final/rpmdb.sqlite")
	var layers []*layerfs.Extract
	layers = append(layers, layer(t, c, file("var/lib/rpm/rpmdb.sqlite", base)))
	for i := 1; i < 40; i++ {
		db := final
		if i%2 == 0 {
			db = slices.Concat(final) // the same content, written again
		}
		layers = append(layers, layer(t, c, file("var/lib/rpm/rpmdb.sqlite", db)))
	}
	start := time.Now()
	pkgs, warnings := run(t, c, layerfs.Merge(layers...), rocky93)
	t.Logf("40 versions read in %v", time.Since(start))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	got := map[string]int{}
	for _, p := range pkgs {
		got[p.Name] = p.Layer
	}
	// vigil-noarch and vigil-hello 1.1 came in layer 1; layers 1 to 8 are
	// not read (40 versions, maxHistory 32: the first and the last 31).
	want := map[string]int{"vigil-epoch": 0, "vigil-hello-libs": 0, "vigil-hello": 9, "vigil-noarch": 9}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
}

// TestHostileWAL: a write-ahead log that is garbage, or cut short, beside a
// good database. SQLite checks each frame of a log; what fails the check
// is not replayed.
func TestHostileWAL(t *testing.T) {
	db := readTestdata(t, "sqlite/wal/rpmdb.sqlite")
	wal := readTestdata(t, "sqlite/wal/rpmdb.sqlite-wal")
	garbage := make([]byte, 64<<10)
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range garbage {
		garbage[i] = byte(rnd.Uint32())
	}
	cases := map[string]struct {
		wal  []byte
		want int // packages
	}{
		"garbage":             {garbage, 3},
		"log header only":     {wal[:32], 3},
		"last frame cut":      {wal[:len(wal)-100], 3},
		"garbage after a log": {slices.Concat(wal, garbage), 4},
		"the real log":        {wal, 4},
	}
	c := New(t.TempDir())
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/rpmdb.sqlite", db), file("var/lib/rpm/rpmdb.sqlite-wal", tt.wal)))
			pkgs, err := c.Catalog(context.Background(), fsys, env(t))
			if err != nil || len(pkgs) != tt.want {
				t.Errorf("%d packages, error %v; want %d", len(pkgs), err, tt.want)
			}
		})
	}
}
