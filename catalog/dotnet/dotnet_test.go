package dotnet

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o644, Size: int64(len(data)), Data: data, Captured: true}
}

func run(t testing.TB, c *Cataloger, entries ...layerfs.Entry) ([]inventory.Package, []inventory.Warning) {
	t.Helper()
	return catalogtest.Run(t, c, layerfs.Merge(&layerfs.Extract{Entries: entries}), nil)
}

func byName(pkgs []inventory.Package) map[string]inventory.Package {
	m := map[string]inventory.Package{}
	for _, p := range pkgs {
		m[p.Name+"@"+p.Version] = p
	}
	return m
}

// check compares a package's ecosystem and dev flag with what the
// fixture's structure says.
func check(t *testing.T, pkgs map[string]inventory.Package, key, eco string, dev bool) {
	t.Helper()
	p, ok := pkgs[key]
	if !ok {
		t.Errorf("%s not found", key)
		return
	}
	if p.Ecosystem != eco || p.Dev != dev || p.Type != inventory.TypeNuGet {
		t.Errorf("%s: ecosystem %q dev %v type %q; want %q %v", key, p.Ecosystem, p.Dev, p.Type, eco, dev)
	}
}

func TestDepsJSON(t *testing.T) {
	pkgs, warnings := run(t, New(), file("app/WebApp.deps.json", catalogtest.ReadTestdata(t, "webapp/WebApp.deps.json")))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	// 12 libraries: 10 packages and 2 projects.
	if len(pkgs) != 12 {
		t.Errorf("%d packages, want 12", len(pkgs))
	}
	k := byName(pkgs)
	check(t, k, "WebApp@1.0.0", "", false)
	check(t, k, "WebApp.Core@1.0.0", "", false)
	check(t, k, "Newtonsoft.Json@13.0.1", Ecosystem, false)
	check(t, k, "StyleCop.Analyzers@1.1.118", Ecosystem, true) // an analyzer: no asset
	// Native assets for one runtime identifier only.
	check(t, k, "Microsoft.Data.SqlClient.SNI.runtime@5.1.0", Ecosystem, false)
	// No asset of its own, but its dependency has one.
	check(t, k, "System.Runtime.Caching@6.0.0", Ecosystem, false)
	if p := k["Newtonsoft.Json@13.0.1"]; p.PURL != "pkg:nuget/Newtonsoft.Json@13.0.1" || !slices.Equal(p.Locations, []string{"/app/WebApp.deps.json"}) {
		t.Errorf("Newtonsoft.Json: %+v", p)
	}
	catalogtest.Golden(t, "webapp.golden.json", pkgs, *update)
}

func TestSelfContained(t *testing.T) {
	pkgs, warnings := run(t, New(), file("app/Tool.deps.json", catalogtest.ReadTestdata(t, "selfcontained/Tool.deps.json")))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	k := byName(pkgs)
	check(t, k, "Microsoft.NETCore.App.Runtime.linux-x64@8.0.7", Ecosystem, false)
	check(t, k, "Microsoft.NET.ILLink.Tasks@8.0.7", Ecosystem, true)
	check(t, k, "Tool@2.3.0", "", false)
	if _, ok := k["System.Xml@4.0.0.0"]; ok || len(pkgs) != 4 {
		t.Errorf("reference assemblies are not packages: %v", pkgs)
	}
	catalogtest.Golden(t, "selfcontained.golden.json", pkgs, *update)
}

func TestPackagesLock(t *testing.T) {
	pkgs, warnings := run(t, New(), file("src/Api/packages.lock.json", catalogtest.ReadTestdata(t, "src/Api/packages.lock.json")))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	k := byName(pkgs)
	// One package per case-insensitive name and version over the three
	// target frameworks; Polly 7.2.4 is spelled "polly" under net6.0, the
	// first framework in sorted order.
	var names []string
	for _, p := range pkgs {
		names = append(names, p.Name+"@"+p.Version)
	}
	want := []string{
		"api.domain@", "Microsoft.Extensions.Http@8.0.0", "Microsoft.Extensions.Http.Polly@6.0.31",
		"Microsoft.Extensions.Http.Polly@8.0.6", "Newtonsoft.Json@13.0.3", "polly@7.2.4",
		"Polly.Extensions.Http@3.0.0", "runtime.native.System.IO.Ports@8.0.0", "System.IO.Ports@8.0.0",
	}
	slices.Sort(want)
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("packages %q, want %q", names, want)
	}
	check(t, k, "api.domain@", "", false)
	check(t, k, "polly@7.2.4", Ecosystem, false)
	catalogtest.Golden(t, "packages.lock.golden.json", pkgs, *update)
}

// TestLayers: a deps.json rewritten by a later layer keeps the layer of
// the packages it listed before.
func TestLayers(t *testing.T) {
	v1 := catalogtest.ReadTestdata(t, "selfcontained/Tool.deps.json")
	v2 := []byte(strings.ReplaceAll(string(v1), "System.Text.Json/8.0.4", "System.Text.Json/8.0.5"))
	fsys := layerfs.Merge(
		&layerfs.Extract{Entries: []layerfs.Entry{file("app/Tool.deps.json", v1)}},
		&layerfs.Extract{Entries: []layerfs.Entry{file("app/Tool.deps.json", v2)}},
	)
	pkgs, _ := catalogtest.Run(t, New(), fsys, nil)
	for _, p := range pkgs {
		want := 0
		if p.Name == "System.Text.Json" {
			want = 1
		}
		if p.Layer != want {
			t.Errorf("%s@%s: layer %d, want %d", p.Name, p.Version, p.Layer, want)
		}
	}
}

func TestPatterns(t *testing.T) {
	m, err := catalog.Matcher([]catalog.Cataloger{New()})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"app/WebApp.deps.json": true, "WebApp.deps.json": true, "src/Api/packages.lock.json": true,
		"app/WebApp.runtimeconfig.json": false, "app/deps.json": false, "app/packages.config": false,
	} {
		if m.Match(p) != want {
			t.Errorf("Match(%s) = %v", p, !want)
		}
	}
	if parser("app/.deps.json") != nil || parser("app/x.deps.json") == nil {
		t.Error("parser")
	}
}
