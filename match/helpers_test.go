package match

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/catalog/dpkg"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/vuln"
	"github.com/vigil-dev/vigil/vulndb"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// openTestDB imports the real records of testdata/osv (see
// testdata/README.md) into a new database and opens it.
func openTestDB(t testing.TB) *vulndb.DB {
	t.Helper()
	return importDB(t, "testdata/osv")
}

func importDB(t testing.TB, paths ...string) *vulndb.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigil.db")
	if _, _, err := vulndb.Import(context.Background(), paths, vulndb.ImportOptions{Path: path}); err != nil {
		t.Fatal(err)
	}
	return openDB(t, path)
}

func openDB(t testing.TB, path string) *vulndb.DB {
	t.Helper()
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// buildDB writes a database holding recs and opens it.
func buildDB(t testing.TB, recs ...*osv.Vulnerability) *vulndb.DB {
	t.Helper()
	dir := t.TempDir()
	b, err := vulndb.NewBuilder(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := b.Add(r, "test"); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "vigil.db")
	if _, err := b.Commit(path); err != nil {
		t.Fatal(err)
	}
	return openDB(t, path)
}

// bookwormInventory is the inventory of testdata/fixtures/bookworm.status,
// as the dpkg cataloger reads it, on Debian 12.
func bookwormInventory(t testing.TB) *inventory.Inventory {
	t.Helper()
	data, err := os.ReadFile("testdata/fixtures/bookworm.status")
	if err != nil {
		t.Fatal(err)
	}
	entries, problems := dpkg.ParseStatus(data)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	inv := &inventory.Inventory{OS: &inventory.OS{ID: "debian", VersionID: "12"}, Layers: []inventory.Layer{{Index: 0}}}
	for _, e := range entries {
		inv.Packages = append(inv.Packages, inventory.Package{
			Name: e.Package, Version: e.Version, SourceName: e.SourceName, SourceVersion: e.SourceVersion,
			Arch: e.Architecture, Type: inventory.TypeDeb, Ecosystem: "Debian:12",
		})
	}
	return inv
}

// langInventory is the inventory vigil made of the lang test image.
func langInventory(t testing.TB) *inventory.Inventory {
	t.Helper()
	var inv inventory.Inventory
	readJSON(t, "testdata/fixtures/lang.inventory.json", &inv)
	return &inv
}

// packagesInventory wraps a fixture list of packages in an inventory.
func packagesInventory(t testing.TB, file string) *inventory.Inventory {
	t.Helper()
	inv := &inventory.Inventory{}
	readJSON(t, filepath.Join("testdata/fixtures", file), &inv.Packages)
	return inv
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// readTSV reads the lines of an expected-findings file as a set.
func readTSV(t testing.TB, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			set[line] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return set
}

// findingSet expands findings into "package<TAB>version<TAB>record id"
// lines, one per record each finding stands for (its own and those merged
// into it), as expected.py writes them.
func findingSet(fs []vuln.Finding) map[string]bool {
	set := map[string]bool{}
	for _, f := range fs {
		for _, id := range append([]string{f.ID}, f.Match.Merged...) {
			set[f.Package.Name+"\t"+f.Package.Version+"\t"+id] = true
		}
	}
	return set
}

func match(t testing.TB, inv *inventory.Inventory, db DB, opts Options) *vuln.Report {
	t.Helper()
	r, err := Match(context.Background(), inv, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
