package php

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func readTestdata(t testing.TB, name string) []byte { return catalogtest.ReadTestdata(t, name) }

func golden(t *testing.T, name string, got any) { catalogtest.Golden(t, name, got, *update) }

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o644, Size: int64(len(data)), Data: data, Captured: true}
}

func run(t testing.TB, c *Cataloger, fsys *layerfs.FS) ([]inventory.Package, []inventory.Warning) {
	t.Helper()
	return catalogtest.Run(t, c, fsys, nil)
}

func lines(t testing.TB, name string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(readTestdata(t, name))))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// dirFS extracts testdata/DIR the way a dir: scan does.
func dirFS(t testing.TB, dir string) *layerfs.FS {
	m, err := catalog.Matcher([]catalog.Cataloger{New()})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := layerfs.ExtractDir(context.Background(), "testdata/"+dir, m, layerfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return layerfs.Merge(ext)
}

const icinga = "root/usr/share/icingaweb2/library/vendor/dompdf/vendor/composer"

// TestInstalledMatchesComposer reads real installed.json files, Debian's
// icingaweb2 (the vendor directory of its bundled dompdf) and two written
// by Composer 2.5.5 with and without --no-dev, and compares them with the
// installed.php that Composer wrote beside each (testdata/installed.composer.txt).
func TestInstalledMatchesComposer(t *testing.T) {
	var got []string
	for _, dir := range []string{icinga, "src/app/vendor/composer", "src/app-nodev/vendor/composer"} {
		recs, problems, err := ParseInstalledJSON(readTestdata(t, dir+"/installed.json"))
		if err != nil || len(problems) > 0 {
			t.Fatalf("%s: %v %v", dir, err, problems)
		}
		for _, r := range recs {
			dev := "prod"
			if r.Dev {
				dev = "dev"
			}
			got = append(got, fmt.Sprintf("%s %s %s %s", dir, r.Name, r.Version, dev))
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(lines(t, "installed.composer.txt"), got); diff != "" {
		t.Errorf("differs from Composer's installed.php (-want +got):\n%s", diff)
	}
}

// TestComposerLockMatchesComposer compares ParseComposerLock with
// `composer show --locked` with and without --no-dev
// (testdata/lock.composer.txt).
func TestComposerLockMatchesComposer(t *testing.T) {
	recs, problems, err := ParseComposerLock(readTestdata(t, "src/app/composer.lock"))
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	var got []string
	for _, r := range recs {
		dev := "prod"
		if r.Dev {
			dev = "dev"
		}
		got = append(got, fmt.Sprintf("%s %s %s", r.Name, r.Version, dev))
	}
	slices.Sort(got)
	if diff := cmp.Diff(lines(t, "lock.composer.txt"), got); diff != "" {
		t.Errorf("differs from composer show --locked (-want +got):\n%s", diff)
	}
}

// TestComposer1 reads the Composer 1 format: the package objects of
// icingaweb2's installed.json as a bare array.
func TestComposer1(t *testing.T) {
	v1, p1, err1 := ParseInstalledJSON(readTestdata(t, "composer1/installed.json"))
	v2, p2, err2 := ParseInstalledJSON(readTestdata(t, icinga+"/installed.json"))
	if err1 != nil || err2 != nil || len(p1)+len(p2) > 0 {
		t.Fatal(err1, err2, p1, p2)
	}
	if len(v1) != 5 {
		t.Errorf("%d packages, want 5", len(v1))
	}
	if diff := cmp.Diff(v2, v1); diff != "" {
		t.Errorf("Composer 1 and 2 formats of the same packages differ (-2 +1):\n%s", diff)
	}
}

// TestCatalogTrees catalogs the real trees: the icingaweb2 vendor
// directory, and the application whose composer.lock and installed.json
// list the same packages (merged).
func TestCatalogTrees(t *testing.T) {
	pkgs, warnings := run(t, New(), dirFS(t, "root"))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	golden(t, "icingaweb2.golden.json", pkgs)
	if p := pkgs[0]; p.Name != "dompdf/dompdf" || p.PURL != "pkg:composer/dompdf/dompdf@v2.0.1" ||
		p.Ecosystem != "Packagist" || p.Type != inventory.TypeComposer || !slices.Equal(p.Licenses, []string{"LGPL-2.1"}) {
		t.Errorf("dompdf: %+v", p)
	}

	pkgs, warnings = run(t, New(), dirFS(t, "src/app"))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	golden(t, "app.golden.json", pkgs)
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprintf("%s %s dev=%v %d locations %v", p.Name, p.Version, p.Dev, len(p.Locations), p.Licenses))
	}
	want := []string{
		"acme/http 2.0.0-beta.1 dev=false 2 locations [LGPL-2.1-only GPL-3.0-or-later]",
		"acme/logger v1.4.2 dev=false 2 locations [MIT]",
		"acme/testkit 0.9.0 dev=true 2 locations [BSD-3-Clause]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPatternsAndKinds(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]kind{
		"var/www/html/vendor/composer/installed.json": kindInstalled,
		"srv/app/lib/composer/installed.json":         kindInstalled, // config.vendor-dir: lib
		"var/www/html/composer.lock":                  kindLock,
		"composer.lock":                               kindLock,
		"var/www/html/installed.json":                 kindNone,
		"var/www/html/vendor/composer/installed.php":  kindNone,
		"var/www/html/composer.json":                  kindNone,
	} {
		if got := kindOf(p); got != want || m.Match(p) != (want != kindNone) {
			t.Errorf("%s: kind %v (want %v), matched %v", p, got, want, m.Match(p))
		}
	}
}

// TestLockInsidePackage: a package's own composer.lock under the vendor
// directory is not read; the application's is.
func TestLockInsidePackage(t *testing.T) {
	lock := readTestdata(t, "src/app/composer.lock")
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("app/vendor/composer/installed.json", readTestdata(t, "src/app-nodev/vendor/composer/installed.json")),
		file("app/vendor/acme/http/composer.lock", lock),
		file("app/vendor/acme/http/tests/fixture/composer.lock", lock),
	}})
	pkgs, _ := run(t, New(), fsys)
	for _, p := range pkgs {
		if p.Name == "acme/testkit" || len(p.Locations) != 1 {
			t.Errorf("a package's own lock file was read: %+v", p)
		}
	}
	if len(pkgs) != 2 {
		t.Errorf("%d packages", len(pkgs))
	}
}

// TestLayers: a package installed in a later layer belongs to it, and an
// installed.json rewritten there keeps the earlier packages' layers.
func TestLayers(t *testing.T) {
	nodev := readTestdata(t, "src/app-nodev/vendor/composer/installed.json")
	dev := readTestdata(t, "src/app/vendor/composer/installed.json")
	l0 := &layerfs.Extract{Entries: []layerfs.Entry{file("var/www/vendor/composer/installed.json", nodev)}}
	l1 := &layerfs.Extract{Entries: []layerfs.Entry{file("var/www/vendor/composer/installed.json", dev)}}
	l2 := &layerfs.Extract{Entries: []layerfs.Entry{file("opt/tool/vendor/composer/installed.json", readTestdata(t, icinga+"/installed.json"))}}
	pkgs, warnings := run(t, New(), layerfs.Merge(l0, l1, l2))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprintf("%s %d", p.Name, p.Layer))
	}
	want := []string{"acme/http 0", "acme/logger 0", "acme/testkit 1", "dompdf/dompdf 2", "masterminds/html5 2",
		"phenx/php-font-lib 2", "phenx/php-svg-lib 2", "sabberworm/php-css-parser 2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPURL(t *testing.T) {
	for name, want := range map[string]string{
		"dompdf/dompdf":             "pkg:composer/dompdf/dompdf@v2.0.1",
		"sabberworm/php-css-parser": "pkg:composer/sabberworm/php-css-parser@v2.0.1",
	} {
		if got := PURL(name, "v2.0.1"); got != want {
			t.Errorf("PURL(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestCatalogCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Catalog(ctx, dirFS(t, "root"), &catalog.Env{Warn: func(int, string, string) {}}); err == nil {
		t.Error("no error from a canceled context")
	}
}
