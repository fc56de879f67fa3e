package rpm

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	rpmdb "github.com/knqyf263/go-rpmdb/pkg"

	"github.com/vigil-dev/vigil/layerfs"
)

// TestGoRPMDBSamples reads the real databases that go-rpmdb tests itself
// with (CentOS 5 to 8, UBI 8 on s390x, SLE 15, Fedora 35, CBL-Mariner 2),
// from the module cache, and checks that the guards let every package
// through: vigil lists what go-rpmdb's ListPackages lists. They are too
// large to copy into testdata (236 MB); go test has them in the module cache,
// since go-rpmdb is a dependency.
func TestGoRPMDBSamples(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 236 MB of databases")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/knqyf263/go-rpmdb").Output()
	dir := filepath.Join(strings.TrimSpace(string(out)), "pkg", "testdata")
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go-rpmdb's module directory not found (it is a dependency, so go test downloaded it): %v", err)
	}
	dbs, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	if len(dbs) == 0 {
		t.Fatalf("no databases in %s", dir)
	}
	c := New(t.TempDir())
	for _, db := range dbs {
		name := filepath.Base(db)
		if !slices.Contains(dbFiles(), name) {
			continue
		}
		t.Run(filepath.Base(filepath.Dir(db)), func(t *testing.T) {
			data, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			want := goRPMDBList(t, data, name)

			fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/"+name, data)))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			pkgs, warnings := run(t, c, fsys, rocky93)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			t.Logf("%d MiB, %d packages in %v, %d MiB allocated", len(data)>>20, len(pkgs), elapsed, (after.TotalAlloc-before.TotalAlloc)>>20)
			for _, w := range warnings {
				t.Errorf("warning: %+v", w)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+" "+p.Version+" "+p.Arch)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("vigil lists %d packages, go-rpmdb %d", len(got), len(want))
			}
		})
	}
}

// goRPMDBList lists a database with go-rpmdb alone, on a copy (SQLite
// writes beside the file it opens).
func goRPMDBList(t *testing.T, data []byte, name string) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := rpmdb.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.ListPackages()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list {
		if p.Name != "gpg-pubkey" {
			out = append(out, p.Name+" "+evr(p.Epoch, p.Version, p.Release)+" "+p.Arch)
		}
	}
	slices.Sort(out)
	return out
}
