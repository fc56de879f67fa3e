package vulndb

import (
	"bufio"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// vulndata is the full real OSV data set the benchmarks read (see
// ../shared/vulndata/README.md); the tests use the subset in testdata.
const vulndata = "/work/shared/vulndata/osv"

func needVulndata(b *testing.B) {
	if _, err := os.Stat(vulndata); err != nil {
		b.Skipf("benchmark needs the real OSV data in %s: %v", vulndata, err)
	}
}

// BenchmarkImportAll imports all of the real OSV data and reports the
// database's size. The budget is 60 s per import.
func BenchmarkImportAll(b *testing.B) {
	needVulndata(b)
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "vigil.db")
		st, _, err := Import(context.Background(), []string{vulndata}, ImportOptions{Path: path})
		if err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/(1<<20), "MiB")
		b.ReportMetric(float64(st.Records), "records")
	}
}

// BenchmarkAffectingBookworm looks up every package of the bookworm image
// in the Debian:12 records of the full data set, as the matcher will. The
// issue's budget is 50 ms for matching the whole inventory.
func BenchmarkAffectingBookworm(b *testing.B) {
	needVulndata(b)
	path := filepath.Join(b.TempDir(), "vigil.db")
	if _, _, err := Import(context.Background(), []string{vulndata}, ImportOptions{Path: path}); err != nil {
		b.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	names := bookwormNames(b, db)
	b.ResetTimer()
	found := 0
	for b.Loop() {
		found = 0
		for _, n := range names {
			vs, err := db.Affecting("Debian:12", n)
			if err != nil {
				b.Fatal(err)
			}
			found += len(vs)
		}
	}
	b.ReportMetric(float64(len(names)), "packages")
	b.ReportMetric(float64(found), "records")
}

// bookwormNames are the source package names of the 88 packages of the
// bookworm fixture image (from its dpkg status) when the fixtures are
// installed, else the first 88 Debian:12 package names of the database.
func bookwormNames(b *testing.B, db *DB) []string {
	if f, err := os.Open("/var/cache/vigil-fixtures/rootfs/var/lib/dpkg/status"); err == nil {
		defer f.Close()
		var names []string
		var pkg, src string
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "Package: "):
				pkg = strings.TrimPrefix(line, "Package: ")
			case strings.HasPrefix(line, "Source: "):
				src, _, _ = strings.Cut(strings.TrimPrefix(line, "Source: "), " ")
			case line == "" && pkg != "":
				names = append(names, cmp.Or(src, pkg))
				pkg, src = "", ""
			}
		}
		if pkg != "" {
			names = append(names, cmp.Or(src, pkg))
		}
		return names
	}
	var names []string
	seen := map[string]bool{}
	err := db.ForEach(func(v *osv.Vulnerability, _ string) error {
		for _, a := range v.Affected {
			if a.Package.Ecosystem == "Debian:12" && !seen[a.Package.Name] && len(names) < 88 {
				seen[a.Package.Name] = true
				names = append(names, a.Package.Name)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return names
}
