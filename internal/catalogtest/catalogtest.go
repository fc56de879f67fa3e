// Package catalogtest holds what the catalogers' tests share: reading
// testdata, golden files, and running a cataloger the way a scan does.
package catalogtest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// ReadTestdata returns testdata/name or fails the test.
func ReadTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Golden compares got, as indented JSON, with testdata/name, or rewrites
// the file when update is set (the packages' -update flag).
func Golden(t testing.TB, name string, got any, update bool) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // PURLs stay readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("testdata", name)
	if update {
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

// Run catalogs fsys with c through catalog.Run, as a scan does, and
// returns the sorted packages and warnings.
func Run(t testing.TB, c catalog.Cataloger, fsys *layerfs.FS, os *inventory.OS) ([]inventory.Package, []inventory.Warning) {
	t.Helper()
	return run(fsys, os, c)
}

// RunAll catalogs fsys with several catalogers in order, as a scan does.
func RunAll(t testing.TB, fsys *layerfs.FS, cats ...catalog.Cataloger) ([]inventory.Package, []inventory.Warning) {
	t.Helper()
	return run(fsys, nil, cats...)
}

func run(fsys *layerfs.FS, os *inventory.OS, cats ...catalog.Cataloger) ([]inventory.Package, []inventory.Warning) {
	env := &catalog.Env{OS: os, Logger: slog.New(slog.DiscardHandler)}
	pkgs, warnings := catalog.Run(context.Background(), fsys, env, cats...)
	inv := inventory.Inventory{Packages: pkgs, Warnings: warnings}
	inv.Sort()
	return inv.Packages, inv.Warnings
}

// Layer builds a layer tar of files and extracts it the way a scan does,
// keeping what the cataloger's patterns select (with its size classes and
// content filters: catalog.Matcher).
func Layer(t testing.TB, c catalog.Cataloger, files ...testimage.File) *layerfs.Extract {
	t.Helper()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	return Extract(t, m, files...)
}

// Extract builds a layer tar of files and extracts what m selects.
func Extract(t testing.TB, m *layerfs.Matcher, files ...testimage.File) *layerfs.Extract {
	t.Helper()
	ext, err := layerfs.ExtractTar(context.Background(), bytes.NewReader(testimage.LayerTar(files...)), m, layerfs.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ext
}
