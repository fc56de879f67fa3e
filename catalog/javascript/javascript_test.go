package javascript

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite golden files")

func readTestdata(t testing.TB, name string) []byte { return catalogtest.ReadTestdata(t, name) }

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o644, Size: int64(len(data)), Data: data, Captured: true}
}

// nodeModules returns the real node_modules package.json files of
// testdata/project as entries under prefix, for the paths keep accepts.
func nodeModules(t testing.TB, prefix string, keep func(string) bool) []layerfs.Entry {
	t.Helper()
	root := filepath.Join("testdata", "project")
	var entries []layerfs.Entry
	err := filepath.WalkDir(filepath.Join(root, "node_modules"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if keep != nil && !keep(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		entries = append(entries, file(prefix+rel, b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// npmLs returns every name@version of the tree that `npm ls --all --json`
// printed when testdata was made: npm's own view of node_modules.
func npmLs(t testing.TB) []string {
	var tree struct {
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	if err := json.Unmarshal(readTestdata(t, "project/npm-ls.json"), &tree); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	type node struct {
		Version      string                     `json:"version"`
		Dependencies map[string]json.RawMessage `json:"dependencies"`
	}
	queue := []map[string]json.RawMessage{tree.Dependencies}
	for len(queue) > 0 {
		deps := queue[0]
		queue = queue[1:]
		for name, raw := range deps {
			var n node
			if err := json.Unmarshal(raw, &n); err != nil {
				t.Fatal(err)
			}
			set[name+"@"+n.Version] = true
			queue = append(queue, n.Dependencies)
		}
	}
	return slices.Sorted(func(yield func(string) bool) {
		for k := range set {
			if !yield(k) {
				return
			}
		}
	})
}

func keys(recs []record) []string {
	set := map[string]bool{}
	for _, r := range recs {
		set[r.key()] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func devKeys(recs []record) []string {
	var dev []record
	for _, r := range recs {
		if r.Dev {
			dev = append(dev, r)
		}
	}
	return keys(dev)
}

func pkgKeys(pkgs []inventory.Package) []string {
	out := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	slices.Sort(out)
	return out
}

func TestPatternsAndKinds(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]kind{
		"app/node_modules/lodash/package.json":                                 kindInstalled,
		"node_modules/@babel/parser/package.json":                              kindInstalled,
		"a/node_modules/x/node_modules/@s/y/package.json":                      kindInstalled,
		"a/node_modules/.pnpm/lodash@4.17.20/node_modules/lodash/package.json": kindInstalled,
		"app/package-lock.json":                                                kindPackageLock,
		"package-lock.json":                                                    kindPackageLock,
		"srv/yarn.lock":                                                        kindYarnLock,
		"srv/pnpm-lock.yaml":                                                   kindPnpmLock,
		"app/node_modules/x/package-lock.json":                                 kindNone, // shipped in a tarball
		"app/node_modules/x/yarn.lock":                                         kindNone,
		"app/node_modules/@babel/package.json":                                 kindNone,
		"app/package.json":                                                     kindNone,
	} {
		if got := m.Match(p) && kindOf(p) != kindNone; got != (want != kindNone) {
			t.Errorf("%s: matched and kept = %v, want %v", p, got, want != kindNone)
		}
		if got := kindOf(p); m.Match(p) && got != want {
			t.Errorf("kindOf(%s) = %d, want %d", p, got, want)
		}
	}
}

func TestPURL(t *testing.T) {
	for _, tc := range []struct{ name, version, want string }{
		{"@babel/parser", "7.12.0", "pkg:npm/%40babel/parser@7.12.0"},
		{"lodash", "4.17.20", "pkg:npm/lodash@4.17.20"},
		{"foo", "1.0.0-beta+build.1", "pkg:npm/foo@1.0.0-beta%2Bbuild.1"},
	} {
		if got := PURL(tc.name, tc.version); got != tc.want {
			t.Errorf("PURL(%s, %s) = %s, want %s", tc.name, tc.version, got, tc.want)
		}
	}
}

// TestInstalledMatchesNpmLs compares what the cataloger finds in a real
// node_modules with npm's own listing of the same tree.
func TestInstalledMatchesNpmLs(t *testing.T) {
	fsys := layerfs.Merge(&layerfs.Extract{Entries: nodeModules(t, "app/", nil)})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if diff := cmp.Diff(npmLs(t), pkgKeys(pkgs)); diff != "" {
		t.Errorf("node_modules differs from npm ls (-want +got):\n%s", diff)
	}
	for _, p := range pkgs {
		if p.Dev {
			t.Errorf("%s@%s: installed packages are never Dev", p.Name, p.Version)
		}
		if p.Type != inventory.TypeNPM || p.Ecosystem != "npm" || len(p.Locations) == 0 {
			t.Errorf("%+v", p)
		}
	}
}

// The tools resolve the same package.json differently, and the lock files
// are right to differ:
//   - npm reuses http-errors@1.7.2 (pinned by express's body-parser) for
//     send's "~1.7.2"; yarn and pnpm take the newest match, 1.7.3, which
//     brings inherits@2.0.4.
//   - The registry's metadata for @babel/parser@7.12.0 now lists a
//     dependency on @babel/types that its package.json (what npm installs
//     from) lacks; yarn berry and pnpm follow the metadata.
var (
	yarnClassicExtra = []string{"http-errors@1.7.3", "inherits@2.0.4"}
	metadataExtra    = []string{"@babel/helper-string-parser@7.29.15", "@babel/helper-validator-identifier@7.29.7", "@babel/types@7.29.15"}
)

func union(sets ...[]string) []string {
	return slices.Compact(slices.Sorted(slices.Values(slices.Concat(sets...))))
}

// TestLockFilesAgree reads the lock files that npm (v1, v2, v3), yarn
// (classic, berry) and pnpm (5.4, 6.0, 9.0) wrote for the same
// package.json: they must list the packages that npm ls shows, but for the
// resolutions where the tools differ, and agree on which are development
// dependencies.
func TestLockFilesAgree(t *testing.T) {
	want := npmLs(t)
	v3, problems, err := parsePackageLock(readTestdata(t, "project/package-lock.v3.json"), DefaultLimits.MaxDepth)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	wantDev := devKeys(v3)
	if diff := cmp.Diff([]string{"is-number@7.0.0", "minimist@0.0.8", "mkdirp@0.5.1"}, wantDev); diff != "" {
		t.Errorf("dev packages of package-lock v3 (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		file  string
		parse func([]byte) ([]record, []string, error)
		dev   bool     // the format records dev dependencies
		extra []string // resolved differently from npm
	}{
		{"package-lock.v1.json", func(b []byte) ([]record, []string, error) { return parsePackageLock(b, DefaultLimits.MaxDepth) }, true, nil},
		{"package-lock.v2.json", func(b []byte) ([]record, []string, error) { return parsePackageLock(b, DefaultLimits.MaxDepth) }, true, nil},
		{"package-lock.v3.json", func(b []byte) ([]record, []string, error) { return parsePackageLock(b, DefaultLimits.MaxDepth) }, true, nil},
		{"yarn.v1.lock", parseYarnLock, false, yarnClassicExtra},
		{"yarn.berry.lock", parseYarnLock, false, union(yarnClassicExtra, metadataExtra)},
		{"pnpm-lock.v7.yaml", func(b []byte) ([]record, []string, error) { return parsePnpmLock(b, DefaultLimits.MaxYAMLNodes) }, true, union(yarnClassicExtra, metadataExtra)},
		{"pnpm-lock.v8.yaml", func(b []byte) ([]record, []string, error) { return parsePnpmLock(b, DefaultLimits.MaxYAMLNodes) }, true, union(yarnClassicExtra, metadataExtra)},
		{"pnpm-lock.v9.yaml", func(b []byte) ([]record, []string, error) { return parsePnpmLock(b, DefaultLimits.MaxYAMLNodes) }, true, union(yarnClassicExtra, metadataExtra)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			recs, problems, err := tc.parse(readTestdata(t, "project/"+tc.file))
			if err != nil || len(problems) > 0 {
				t.Fatal(err, problems)
			}
			if diff := cmp.Diff(union(want, tc.extra), keys(recs)); diff != "" {
				t.Errorf("packages differ from npm ls (-want +got):\n%s", diff)
			}
			if tc.dev {
				if diff := cmp.Diff(wantDev, devKeys(recs)); diff != "" {
					t.Errorf("dev packages differ from package-lock v3 (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestCatalogProject catalogs a whole project as an image holds it: the
// lock files of each tool, each in its own directory, and node_modules.
func TestCatalogProject(t *testing.T) {
	entries := nodeModules(t, "app/", nil)
	entries = append(entries,
		file("app/package-lock.json", readTestdata(t, "project/package-lock.v3.json")),
		file("app/package.json", readTestdata(t, "project/package.json")),
		file("yarn-app/yarn.lock", readTestdata(t, "project/yarn.v1.lock")),
		file("pnpm-app/pnpm-lock.yaml", readTestdata(t, "project/pnpm-lock.v9.yaml")),
		// Lock files shipped inside a package are not the project's.
		file("app/node_modules/lodash/package-lock.json", []byte(`{"lockfileVersion":3,"packages":{"node_modules/evil":{"version":"6.6.6"}}}`)),
	)
	fsys := layerfs.Merge(&layerfs.Extract{Entries: entries})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if diff := cmp.Diff(union(npmLs(t), yarnClassicExtra, metadataExtra), pkgKeys(pkgs)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	byName := map[string]inventory.Package{}
	for _, p := range pkgs {
		byName[p.Name+"@"+p.Version] = p
	}
	babel := byName["@babel/parser@7.12.0"]
	if babel.PURL != "pkg:npm/%40babel/parser@7.12.0" || !slices.Equal(babel.Licenses, []string{"MIT"}) {
		t.Errorf("@babel/parser: %+v", babel)
	}
	wantLoc := []string{"/app/node_modules/@babel/parser/package.json", "/app/package-lock.json", "/pnpm-app/pnpm-lock.yaml", "/yarn-app/yarn.lock"}
	if diff := cmp.Diff(wantLoc, babel.Locations); diff != "" {
		t.Errorf("@babel/parser locations (-want +got):\n%s", diff)
	}
	// Installed, so not Dev, although every lock file says dev.
	if byName["is-number@7.0.0"].Dev {
		t.Error("is-number is installed but reported Dev")
	}
	catalogtest.Golden(t, "project.golden.json", pkgs, *update)
}

// TestDevFromLockOnly: without node_modules, the lock file decides.
func TestDevFromLockOnly(t *testing.T) {
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("src/package-lock.json", readTestdata(t, "project/package-lock.v1.json")),
		file("src2/pnpm-lock.yaml", readTestdata(t, "project/pnpm-lock.v8.yaml")),
	}})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	var dev []string
	for _, p := range pkgs {
		if p.Dev {
			dev = append(dev, p.Name+"@"+p.Version)
		}
		want := 2
		if slices.Contains(union(yarnClassicExtra, metadataExtra), p.Name+"@"+p.Version) {
			want = 1 // only pnpm resolves to it
		}
		if len(p.Locations) != want {
			t.Errorf("%s@%s locations = %v, want %d", p.Name, p.Version, p.Locations, want)
		}
	}
	if diff := cmp.Diff([]string{"is-number@7.0.0", "minimist@0.0.8", "mkdirp@0.5.1"}, dev); diff != "" {
		t.Errorf("dev (-want +got):\n%s", diff)
	}
}

// TestLayers: packages installed in the first layer keep it when a later
// layer installs more and rewrites the lock file.
func TestLayers(t *testing.T) {
	base := map[string]bool{"lodash": true, "minimist": true, "@babel/parser": true}
	inBase := func(rel string) bool {
		name := strings.TrimSuffix(strings.TrimPrefix(rel, "node_modules/"), "/package.json")
		return base[name]
	}
	lock := readTestdata(t, "project/package-lock.v3.json")
	var full map[string]any
	if err := json.Unmarshal(lock, &full); err != nil {
		t.Fatal(err)
	}
	small := map[string]any{"lockfileVersion": 3, "packages": map[string]any{}}
	for k, v := range full["packages"].(map[string]any) {
		if base[strings.TrimPrefix(k, "node_modules/")] {
			small["packages"].(map[string]any)[k] = v
		}
	}
	smallLock, _ := json.Marshal(small)
	l0 := &layerfs.Extract{Entries: append(nodeModules(t, "app/", inBase), file("app/package-lock.json", smallLock))}
	l1 := &layerfs.Extract{Entries: append(nodeModules(t, "app/", func(rel string) bool { return !inBase(rel) }), file("app/package-lock.json", lock))}
	fsys := layerfs.Merge(l0, l1)
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	layers := map[string]int{}
	for _, p := range pkgs {
		layers[p.Name+"@"+p.Version] = p.Layer
	}
	for k, want := range map[string]int{"lodash@4.17.20": 0, "minimist@1.2.5": 0, "@babel/parser@7.12.0": 0, "express@4.17.1": 1, "is-number@7.0.0": 1} {
		if layers[k] != want {
			t.Errorf("%s: layer %d, want %d", k, layers[k], want)
		}
	}
	// The lock file alone (no node_modules) dates its packages by its
	// history.
	fsys = layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{file("app/package-lock.json", smallLock)}},
		&layerfs.Extract{Entries: []layerfs.Entry{file("app/package-lock.json", lock)}})
	pkgs, _ = catalogtest.Run(t, New(), fsys, nil)
	for _, p := range pkgs {
		want := 1
		if base[p.Name] && p.Name+"@"+p.Version != "minimist@0.0.8" {
			want = 0
		}
		if p.Layer != want {
			t.Errorf("lock only: %s@%s layer %d, want %d", p.Name, p.Version, p.Layer, want)
		}
	}
}

func TestMalformedAndNotPackages(t *testing.T) {
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("a/node_modules/broken/package.json", []byte(`{"name": "broken", `)),
		file("a/node_modules/noversion/package.json", []byte(`{"name": "noversion"}`)),
		file("a/node_modules/typeonly/package.json", []byte(`{"type": "module"}`)),
		file("a/node_modules/numname/package.json", []byte(`{"name": 5, "version": "1.0.0"}`)),
		file("a/node_modules/legacy/package.json", []byte("\xef\xbb\xbf"+`{"name": "legacy", "version": "0.1.0", "licenses": [{"type": "MIT", "url": "x"}, "BSD-3-Clause"]}`)),
		file("a/node_modules/legacyobj/package.json", []byte(`{"name": "legacyobj", "version": "0.1.0", "license": {"type": "ISC"}}`)),
		file("a/package-lock.json", []byte(`{"lockfileVersion": 3, "packages": "x"}`)),
		file("b/package-lock.json", []byte(`not json`)),
		file("c/yarn.lock", []byte("junk\nx@1:\n  resolved \"y\"\n")),
		file("d/pnpm-lock.yaml", []byte("lockfileVersion: '9.0'\npackages: [1, 2\n")),
	}})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if diff := cmp.Diff([]string{"legacy@0.1.0", "legacyobj@0.1.0"}, pkgKeys(pkgs)); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if len(pkgs) == 2 {
		if diff := cmp.Diff([]string{"MIT", "BSD-3-Clause"}, pkgs[0].Licenses); diff != "" {
			t.Errorf("legacy licenses (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"ISC"}, pkgs[1].Licenses); diff != "" {
			t.Errorf("legacy object license (-want +got):\n%s", diff)
		}
	}
	var paths []string
	for _, w := range warnings {
		paths = append(paths, w.Path)
	}
	want := []string{"/a/node_modules/broken/package.json", "/a/package-lock.json", "/b/package-lock.json", "/c/yarn.lock", "/c/yarn.lock", "/d/pnpm-lock.yaml"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("warning paths (-want +got):\n%s\n%v", diff, warnings)
	}
}

// TestYarnAliasesAndWorkspaces covers entries the real fixtures lack.
func TestYarnAliasesAndWorkspaces(t *testing.T) {
	classic := `# yarn lockfile v1

"string-width-cjs@npm:string-width@^4.2.0":
  version "4.2.3"
  dependencies:
    version "9.9.9"

"@scope/a@^1.0.0", "@scope/a@^1.1.0":
  version "1.1.0"
`
	recs, problems, err := parseYarnLock([]byte(classic))
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff([]string{"@scope/a@1.1.0", "string-width@4.2.3"}, keys(recs)); diff != "" {
		t.Errorf("classic (-want +got):\n%s", diff)
	}
	berry := `__metadata:
  version: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."

"resolve@patch:resolve@npm%3A^1.1.7#optional!builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
`
	recs, problems, err = parseYarnLock([]byte(berry))
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff([]string{"resolve@1.22.8"}, keys(recs)); diff != "" {
		t.Errorf("berry (-want +got):\n%s", diff)
	}
}

func TestPnpmKeys(t *testing.T) {
	for _, tc := range []struct {
		key                   string
		major                 int
		wantName, wantVersion string
	}{
		{"/@babel/parser/7.12.0", 5, "@babel/parser", "7.12.0"},
		{"/react-dom/17.0.2_react@17.0.2", 5, "react-dom", "17.0.2"},
		{"/@babel/parser@7.12.0", 6, "@babel/parser", "7.12.0"},
		{"/react-dom@17.0.2(react@17.0.2)", 6, "react-dom", "17.0.2"},
		{"@scope/name@1.2.3(peer@1.0.0)", 9, "@scope/name", "1.2.3"},
		{"lodash@4.17.20", 9, "lodash", "4.17.20"},
	} {
		n, v, ok := pnpmPackageKey(tc.key, tc.major)
		if !ok || n != tc.wantName || v != tc.wantVersion {
			t.Errorf("pnpmPackageKey(%q, %d) = %q %q %v", tc.key, tc.major, n, v, ok)
		}
	}
}

// measure runs fn and returns how long it took and how much it allocated.
func measure(fn func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - before.TotalAlloc
}

// TestHugeLockFile: a 100 MB package-lock.json is refused with a warning,
// without being parsed; so is one over a lower configured limit.
func TestHugeLockFile(t *testing.T) {
	// Never parsed: the repeated keys do not matter.
	var buf bytes.Buffer
	buf.WriteString(`{"lockfileVersion": 3, "packages": {`)
	entry := []byte(`"node_modules/p": {"version": "1.0.0"},`)
	buf.Write(bytes.Repeat(entry, 100<<20/len(entry)+1))
	buf.WriteString(`"": {}}}`)
	for _, tc := range []struct {
		c    *Cataloger
		data []byte
	}{
		{New(), buf.Bytes()},
		{NewWithLimits(Limits{MaxFileSize: 1 << 20}), buf.Bytes()[:2<<20]},
	} {
		fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{file("app/package-lock.json", tc.data)}})
		var pkgs []inventory.Package
		var warnings []inventory.Warning
		d, alloc := measure(func() { pkgs, warnings = catalogtest.Run(t, tc.c, fsys, nil) })
		t.Logf("%d bytes: %v, %d bytes allocated", len(tc.data), d, alloc)
		if len(pkgs) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0].Message, "over the limit") {
			t.Errorf("packages %d, warnings %v", len(pkgs), warnings)
		}
		if alloc > 1<<20 {
			t.Errorf("refusing the file allocated %d bytes", alloc)
		}
	}
}

// TestLargeLockFileParses measures a lock file just under the limit: real
// monorepos reach tens of megabytes.
func TestLargeLockFileParses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: parses a 60 MiB lock file")
	}
	var buf bytes.Buffer
	buf.WriteString(`{"lockfileVersion": 3, "packages": {`)
	n := 0
	for ; buf.Len() < 60<<20; n++ {
		fmt.Fprintf(&buf, `"node_modules/p%d": {"version": "1.0.%d", "resolved": "https://registry.npmjs.org/p/-/p-1.0.0.tgz", "integrity": "sha512-0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},`, n, n)
	}
	buf.WriteString(`"": {}}}`)
	var recs []record
	var err error
	d, alloc := measure(func() { recs, _, err = parsePackageLock(buf.Bytes(), DefaultLimits.MaxDepth) })
	t.Logf("%d MiB, %d packages: %v, %d MiB allocated", buf.Len()>>20, n, d, alloc>>20)
	if err != nil || len(recs) != n {
		t.Fatalf("%d records, err %v, want %d", len(recs), err, n)
	}
}

// TestLargePnpmLock: one mapping of 300,000 packages (about 20 MB) parses
// in linear time; yaml's struct decoding would check its keys for
// duplicates in quadratic time.
func TestLargePnpmLock(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: parses a 22 MiB pnpm lock file")
	}
	var buf bytes.Buffer
	buf.WriteString("lockfileVersion: '9.0'\npackages:\n")
	const n = 300_000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, "  p%d@1.0.0:\n    resolution: {integrity: sha512-000000000000000000000000}\n", i)
	}
	var recs []record
	var err error
	d, alloc := measure(func() { recs, _, err = parsePnpmLock(buf.Bytes(), DefaultLimits.MaxYAMLNodes) })
	t.Logf("%d MiB, %d packages: %v, %d MiB allocated", buf.Len()>>20, n, d, alloc>>20)
	if err != nil || len(recs) != n {
		t.Fatalf("%d records, err %v", len(recs), err)
	}
}

// deepV1 returns a version 1 lock file whose dependencies nest levels deep.
func deepV1(levels int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"lockfileVersion": 1, "dependencies": `)
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, `{"d%d": {"version": "1.0.0", "dependencies": `, i)
	}
	b.WriteString(`{}`)
	b.WriteString(strings.Repeat("}}", levels))
	b.WriteString("}")
	return b.Bytes()
}

func TestDeepV1Lock(t *testing.T) {
	// 10,000 levels are 20,000 levels of JSON: encoding/json refuses them.
	var recs []record
	var err error
	d, alloc := measure(func() { recs, _, err = parsePackageLock(deepV1(10_000), DefaultLimits.MaxDepth) })
	t.Logf("10,000 levels: %v, %d KiB allocated, err %v", d, alloc>>10, err)
	if err == nil || len(recs) != 0 {
		t.Errorf("10,000 levels: %d records, err %v; want an error", len(recs), err)
	}
	// 1,000 levels parse, and the walk stops at MaxDepth.
	recs, problems, err := parsePackageLock(deepV1(1000), DefaultLimits.MaxDepth)
	if err != nil || len(recs) != DefaultLimits.MaxDepth || len(problems) != 1 {
		t.Errorf("1,000 levels: %d records, problems %v, err %v", len(recs), problems, err)
	}
	// Through the cataloger: a warning, no crash.
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{file("x/package-lock.json", deepV1(10_000))}})
	_, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(warnings) != 1 || warnings[0].Path != "/x/package-lock.json" {
		t.Errorf("warnings = %v", warnings)
	}
}

// billionLaughs is the YAML alias bomb: each level refers to the previous
// one ten times.
func billionLaughs() []byte {
	var b bytes.Buffer
	b.WriteString("lockfileVersion: '9.0'\nimporters:\n  a0: &a0 {dependencies: {x: {version: lol}}}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString("packages:\n  lodash@4.17.20: {}\nsnapshots: {bomb: *a9}\n")
	return b.Bytes()
}

// wideAliases is an alias bomb shaped like the values the decoder fills:
// one mapping of n entries, referred to as the dependencies of n
// snapshots, n*n entries to decode from about 20*n bytes.
func wideAliases(n int) []byte {
	var b bytes.Buffer
	b.WriteString("lockfileVersion: '9.0'\nbig: &big {")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "d%d: '1.0.0', ", i)
	}
	b.WriteString("}\npackages:\n  lodash@4.17.20: {}\nsnapshots:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  s%d: {dependencies: *big}\n", i)
	}
	return b.Bytes()
}

func TestPnpmAliasBomb(t *testing.T) {
	for name, data := range map[string][]byte{
		"billion laughs": billionLaughs(),
		"wide aliases":   wideAliases(50_000), // 2.5e9 entries if expanded
	} {
		var recs []record
		var problems []string
		var err error
		d, alloc := measure(func() { recs, problems, err = parsePnpmLock(data, DefaultLimits.MaxYAMLNodes) })
		t.Logf("%s (%d bytes): %v, %d KiB allocated, err %v, %d problems", name, len(data), d, alloc>>10, err, len(problems))
		if d > 5*time.Second || alloc > 512<<20 {
			t.Errorf("%s took %v and %d bytes", name, d, alloc)
		}
		if err == nil && len(problems) == 0 {
			t.Errorf("%s: no error or problem (records %v)", name, recs)
		}
	}
	// Too many nodes: refused before parsing.
	big := bytes.Repeat([]byte("- a\n"), 1000)
	if _, _, err := parsePnpmLock(big, 100); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("node limit: err = %v", err)
	}
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{file("p/pnpm-lock.yaml", billionLaughs())}})
	_, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(warnings) == 0 || warnings[0].Path != "/p/pnpm-lock.yaml" {
		t.Errorf("warnings = %v", warnings)
	}
}

func TestCatalogCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fsys := layerfs.Merge(&layerfs.Extract{Entries: nodeModules(t, "app/", nil)})
	if _, err := New().Catalog(ctx, fsys, &catalog.Env{Warn: func(int, string, string) {}}); err == nil {
		t.Error("no error from a canceled context")
	}
}
