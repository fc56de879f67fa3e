package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestDB runs the db subcommands as a user does: update from a loopback
// mirror of the OSV exports (the committed real subsets), update again
// (conditional requests: nothing downloaded), status, export, import of
// the export on "another machine", and a merge of Debian's own OVAL.
func TestDB(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir("../../vulndb/testdata/mirror")))
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")

	code, out, errs := run(t, "db", "update", "--db", db, "--source", srv.URL, "--ecosystems", "Debian,Go,npm,NuGet")
	if code != ExitOK || !strings.Contains(out, "3 downloaded, 0 not modified, 1 missing") || !strings.Contains(errs, "NuGet: not found") {
		t.Fatalf("update: code %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = run(t, "db", "update", "--db", db, "--source", srv.URL, "--ecosystems", "Debian,Go,npm")
	if code != ExitOK || !strings.Contains(out, "0 downloaded, 3 not modified") {
		t.Fatalf("second update: code %d\n%s\n%s", code, out, errs)
	}

	code, out, errs = run(t, "db", "status", "--db", db, "--format", "json")
	var st struct {
		Path       string         `json:"path"`
		Stale      bool           `json:"stale"`
		Records    int            `json:"records"`
		Ecosystems map[string]int `json:"ecosystems"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &st) != nil || st.Records == 0 || st.Stale || st.Ecosystems["Debian:12"] == 0 || st.Ecosystems["Go"] == 0 {
		t.Fatalf("status: code %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = run(t, "db", "status", "--db", db)
	if code != ExitOK || !strings.Contains(out, "Debian:12") || !strings.Contains(out, srv.URL+"/Go/all.zip") {
		t.Errorf("status table: code %d\n%s", code, out)
	}

	export := filepath.Join(dir, "export.zip")
	if code, _, errs := run(t, "db", "export", "--db", db, export); code != ExitOK {
		t.Fatalf("export: code %d\n%s", code, errs)
	}
	other := filepath.Join(dir, "other.db")
	code, out, errs = run(t, "db", "import", "--db", other, export)
	if code != ExitOK || !strings.Contains(out, "records from") {
		t.Fatalf("import of the export: code %d\n%s\n%s", code, out, errs)
	}
	_, out2, _ := run(t, "db", "status", "--db", other, "--format", "json")
	var st2 struct {
		Records    int            `json:"records"`
		Ecosystems map[string]int `json:"ecosystems"`
	}
	if json.Unmarshal([]byte(out2), &st2) != nil || st2.Records != st.Records || st2.Ecosystems["Go"] != st.Ecosystems["Go"] {
		t.Errorf("imported export: %s, want %d records as exported", out2, st.Records)
	}
	code, out, errs = run(t, "db", "import", "--db", other, "--merge", "../../vulndb/importer/debianoval/testdata/bookworm-cut.xml")
	if code != ExitOK {
		t.Fatalf("merge OVAL: code %d\n%s\n%s", code, out, errs)
	}
	_, out2, _ = run(t, "db", "status", "--db", other, "--format", "json")
	var st3 struct{ Records int }
	if json.Unmarshal([]byte(out2), &st3) != nil || st3.Records <= st.Records {
		t.Errorf("after merging the OVAL cut: %d records, want more than %d", st3.Records, st.Records)
	}

	// Errors: a missing database, an unknown subcommand, a bad source.
	if code, _, errs := run(t, "db", "status", "--db", filepath.Join(dir, "none.db")); code != ExitError || !strings.Contains(errs, "vigil db update") {
		t.Errorf("status without a database: code %d, %s", code, errs)
	}
	if code, _, errs := run(t, "db", "frob"); code != ExitUsage || !strings.Contains(errs, `unknown subcommand "frob"`) {
		t.Errorf("unknown subcommand: code %d, %s", code, errs)
	}
	code, _, errs = run(t, "db", "update", "--db", db, "--source", srv.URL+"/nothing-here", "--ecosystems", "Go")
	if code != ExitError || !strings.Contains(errs, "none of Go found") {
		t.Errorf("update from an empty mirror: code %d, %s", code, errs)
	}
	if _, out, _ := run(t, "db", "status", "--db", db, "--format", "json"); !strings.Contains(out, `"Debian:12"`) {
		t.Errorf("the failed update changed the database:\n%s", out)
	}
}
