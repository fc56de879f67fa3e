package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-dev/vigil/vulndb"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// TestImportEveryFormat builds one database from the committed real data
// in each format: the Debian OVAL cut, the Alpine secdb tree, and an OSV
// mirror tree; then a second import with Merge adds a single secdb file
// and keeps the rest. Lookups find records from each source.
func TestImportEveryFormat(t *testing.T) {
	oval := "debianoval/testdata/bookworm-cut.xml"
	secdbTree := "alpinesecdb/testdata/secdb"
	mirror := "../testdata/mirror"
	for path, want := range map[string]string{oval: FormatDebianOVAL, secdbTree: FormatAlpineSecdb, mirror: FormatOSV,
		"alpinesecdb/testdata/secdb/v3.19/main.json": FormatAlpineSecdb, "../testdata/mirror/Go/all.zip": FormatOSV} {
		if got, err := Detect(path); err != nil || got != want {
			t.Errorf("Detect(%s) = %q, %v; want %q", path, got, err, want)
		}
	}

	dbPath := filepath.Join(t.TempDir(), "vigil.db")
	st, _, err := Import(context.Background(), []string{oval, mirror}, vulndb.ImportOptions{Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	absOVAL, _ := filepath.Abs(oval)
	absSecdb, _ := filepath.Abs(secdbTree)
	if names := sourceNames(st); !slices.Contains(names, absOVAL) || !slices.Contains(names, "Go") || slices.Contains(names, absSecdb) {
		t.Fatalf("sources after the first import: %q", names)
	}
	st, _, err = Import(context.Background(), []string{secdbTree}, vulndb.ImportOptions{Path: dbPath, Merge: true})
	if err != nil {
		t.Fatal(err)
	}
	if names := sourceNames(st); !slices.Contains(names, absOVAL) || !slices.Contains(names, "Go") || !slices.Contains(names, absSecdb) {
		t.Fatalf("sources after the merge: %q", names)
	}
	for _, src := range st.Sources {
		if (src.Name == absSecdb || src.Name == absOVAL) && src.Records < 50 {
			t.Errorf("source %s: %d records, want the cut's (over 50)", src.Name, src.Records)
		}
	}
	db, err := vulndb.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	glibc, err := db.Affecting("Debian:12", "glibc")
	if err != nil || !slices.ContainsFunc(glibc, func(v *osv.Vulnerability) bool { return v.ID == "DEBIAN-OVAL-CVE-1999-0199-glibc" }) {
		t.Errorf("Debian:12 glibc: %d records, %v; want DEBIAN-OVAL-CVE-1999-0199-glibc among them", len(glibc), err)
	}
	busybox, err := db.Affecting("Alpine:v3.19", "busybox")
	if err != nil || !slices.ContainsFunc(busybox, func(v *osv.Vulnerability) bool { return v.ID == "ALPINE-CVE-2022-48174" }) {
		t.Errorf("Alpine:v3.19 busybox: %d records, %v", len(busybox), err)
	}
}

func sourceNames(st vulndb.Status) []string {
	var names []string
	for _, s := range st.Sources {
		names = append(names, s.Name)
	}
	return names
}

// TestImportErrors: a file in no known format, or a native file without
// advisories, fails the import and leaves the previous database alone.
func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "vigil.db")
	if _, _, err := Import(context.Background(), []string{"../testdata/mirror"}, vulndb.ImportOptions{Path: dbPath}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.xml")
	if err := os.WriteFile(empty, []byte(`<?xml version="1.0"?><oval_definitions></oval_definitions>`), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.zip")
	if err := os.WriteFile(garbage, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{empty, garbage, filepath.Join(dir, "missing")} {
		if _, _, err := Import(context.Background(), []string{p}, vulndb.ImportOptions{Path: dbPath}); err == nil {
			t.Errorf("import of %s succeeded", p)
		}
		after, _ := os.ReadFile(dbPath)
		if string(after) != string(before) {
			t.Errorf("import of %s changed the database", p)
		}
	}
}
