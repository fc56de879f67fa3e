package python

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

func byKey(pkgs []inventory.Package) map[string]inventory.Package {
	m := map[string]inventory.Package{}
	for _, p := range pkgs {
		m[p.Name+"@"+p.Version] = p
	}
	return m
}

// TestInstalledMatchesImportlib reads real installed metadata (Debian's
// python3-* packages and a pyenv pip wheel, testdata/root) and compares
// what it finds with what Python's importlib.metadata lists for the same
// directories (testdata/root.importlib.txt, see testdata/README.md).
func TestInstalledMatchesImportlib(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := layerfs.ExtractDir(context.Background(), "testdata/root", m, layerfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	pkgs, warnings := run(t, New(), layerfs.Merge(ext))
	if len(warnings) > 0 {
		t.Errorf("warnings on real metadata: %v", warnings)
	}
	var got []string
	for _, p := range pkgs {
		for _, loc := range p.Locations {
			site := loc[1 : strings.Index(loc, "-packages/")+len("-packages")]
			got = append(got, fmt.Sprintf("%s %s %s", site, p.Name, p.Version))
		}
	}
	var want []string
	sc := bufio.NewScanner(strings.NewReader(string(readTestdata(t, "root.importlib.txt"))))
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	if diff := cmp.Diff(want, slices.Compact(slices.Sorted(slices.Values(got)))); diff != "" {
		t.Errorf("cataloger differs from importlib.metadata (-want +got):\n%s", diff)
	}
	golden(t, "installed.golden.json", pkgs)

	k := byKey(pkgs)
	crypto := k["cryptography@38.0.4"]
	if len(crypto.Locations) != 2 {
		t.Errorf("cryptography has a dist-info and an egg-info; locations = %v", crypto.Locations)
	}
	if diff := cmp.Diff([]string{"BSD-3-Clause OR Apache-2.0"}, crypto.Licenses); diff != "" {
		t.Errorf("cryptography licenses (-want +got):\n%s", diff)
	}
	if p := k["PyYAML@6.0"]; p.PURL != "pkg:pypi/pyyaml@6.0" || p.Ecosystem != "PyPI" || p.Type != inventory.TypePyPI {
		t.Errorf("PyYAML: %+v", p)
	}
	if p := k["PyYAML@6.0"]; !slices.Contains(p.Files, "/usr/lib/python3/dist-packages/yaml/__init__.py") {
		t.Errorf("PyYAML files from RECORD = %v", p.Files)
	}
	if p := k["lazr.uri@1.0.6"]; p.PURL != "pkg:pypi/lazr-uri@1.0.6" {
		t.Errorf("lazr.uri purl = %s", p.PURL)
	}
	if p := k["crit@3.17.1"]; p.Locations[0] != "/usr/lib/python3/dist-packages/crit-3.17.1-py3.11.egg-info" || !slices.Equal(p.Licenses, []string{"GPLv2"}) {
		t.Errorf("single-file egg-info: %+v", p)
	}
	// Only classifiers when License is missing or long (PyYAML has
	// License: MIT; pip has License: MIT too).
	pip := k["pip@23.2.1"]
	if !slices.Contains(pip.Files, "/usr/local/bin/pip3") || !slices.Contains(pip.Files, "/usr/local/lib/python3.11/site-packages/pip/__init__.py") {
		t.Errorf("pip RECORD paths are not resolved against site-packages: %v", pip.Files[:3])
	}
}

func TestLicenses(t *testing.T) {
	long := strings.Repeat("Permission is hereby granted ", 5)
	for _, tc := range []struct {
		md   Metadata
		want []string
	}{
		{Metadata{LicenseExpression: "MIT OR Apache-2.0", License: "MIT"}, []string{"MIT OR Apache-2.0"}},
		{Metadata{License: "BSD"}, []string{"BSD"}},
		{Metadata{License: "UNKNOWN", Classifiers: []string{"License :: OSI Approved :: MIT License"}}, []string{"MIT License"}},
		{Metadata{License: long, Classifiers: []string{"License :: OSI Approved :: BSD License", "License :: OSI Approved :: BSD License"}}, []string{"BSD License"}},
		{Metadata{License: "line one\nline two", Classifiers: []string{"License :: OSI Approved"}}, nil},
	} {
		if diff := cmp.Diff(tc.want, tc.md.Licenses()); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.md, diff)
		}
	}
}

func TestParseMetadataFolding(t *testing.T) {
	in := "Metadata-Version: 1.0\r\nname: Foo_Bar\r\nVersion: 1.0\r\nLicense: Copyright (c) X\r\n        All rights reserved.\r\nno colon here\r\n\r\nName: body\n"
	md, cut := ParseMetadata([]byte(in), 0)
	if cut || md.Name != "Foo_Bar" || md.Version != "1.0" || !strings.Contains(md.License, "\n") {
		t.Errorf("got %+v cut=%v", md, cut)
	}
	if l := md.Licenses(); l != nil {
		t.Errorf("a folded license text is not a license name: %v", l)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"PyYAML":             "pyyaml",
		"lazr.uri":           "lazr-uri",
		"charset_normalizer": "charset-normalizer",
		"Foo.-_Bar":          "foo-bar",
		"zope.interface":     "zope-interface",
		"a__b..c--d":         "a-b-c-d",
		"requests":           "requests",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
		if got, w := PURL(in, "1.0"), "pkg:pypi/"+want+"@1.0"; got != w {
			t.Errorf("PURL(%q) = %s, want %s", in, got, w)
		}
	}
}

// TestPatternsAgreeWithClassify checks that every file the cataloger
// reads is captured by its patterns, and that the patterns capture no
// kind of file it ignores.
func TestPatternsAgreeWithClassify(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
		"usr/lib/python3/dist-packages/crit-3.17.1-py3.11.egg-info",
		"usr/local/lib/python3.11/site-packages/pip-23.2.1.dist-info/METADATA",
		"opt/venv/lib/python3.12/site-packages/a-1.dist-info/METADATA",
		"app/requirements.txt", "app/requirements-dev.txt", "app/requirements/base.txt",
		"app/poetry.lock", "Pipfile.lock", "srv/uv.lock",
	} {
		if classify(p) == kindNone || !m.Match(p) {
			t.Errorf("%s: classify %v, matched %v", p, classify(p), m.Match(p))
		}
	}
	for _, p := range []string{
		"usr/lib/python3/dist-packages/six.py",
		"usr/lib/python3/dist-packages/x-1.dist-info/WHEEL",
		"srv/poetry.lock.bak",
		"app/notes.txt",
	} {
		if classify(p) != kindNone {
			t.Errorf("%s: classified as %v", p, classify(p))
		}
	}
}

// lockFS puts the source trees of testdata/src into one layer.
func lockFS(t *testing.T) *layerfs.FS {
	return layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("srv/poetry/poetry.lock", readTestdata(t, "src/poetry/poetry.lock")),
		file("srv/poetry-category/poetry.lock", readTestdata(t, "src/synthetic/poetry-category.lock")),
		file("srv/poetry-groups/poetry.lock", readTestdata(t, "src/synthetic/poetry-groups.lock")),
		file("srv/pipenv/Pipfile.lock", readTestdata(t, "src/pipenv/Pipfile.lock")),
		file("srv/uv/uv.lock", readTestdata(t, "src/uv/uv.lock")),
		file("srv/uv-dev/uv.lock", readTestdata(t, "src/synthetic/uv-dev.lock")),
		file("srv/sigstore/install/requirements.txt", readTestdata(t, "src/sigstore/requirements.txt")),
		file("srv/app/requirements.txt", readTestdata(t, "src/synthetic/app/requirements.txt")),
		file("srv/app/requirements/base.txt", readTestdata(t, "src/synthetic/app/requirements/base.txt")),
		file("srv/app/requirements/common.txt", readTestdata(t, "src/synthetic/app/requirements/common.txt")),
	}})
}

// TestLockFiles holds one golden file per format, and checks the
// development flags and the problems reported.
func TestLockFiles(t *testing.T) {
	pkgs, warnings := run(t, New(), lockFS(t))
	byLoc := map[string][]inventory.Package{}
	for _, p := range pkgs {
		byLoc[p.Locations[0]] = append(byLoc[p.Locations[0]], p)
	}
	for name, loc := range map[string]string{
		"poetry":          "/srv/poetry/poetry.lock",
		"poetry-category": "/srv/poetry-category/poetry.lock",
		"poetry-groups":   "/srv/poetry-groups/poetry.lock",
		"pipfile":         "/srv/pipenv/Pipfile.lock",
		"uv":              "/srv/uv/uv.lock",
		"uv-dev":          "/srv/uv-dev/uv.lock",
		"requirements":    "/srv/sigstore/install/requirements.txt",
	} {
		t.Run(name, func(t *testing.T) { golden(t, name+".golden.json", byLoc[loc]) })
	}
	dev := func(loc string) []string {
		var out []string
		for _, p := range byLoc[loc] {
			if p.Dev {
				out = append(out, p.Name)
			}
		}
		slices.Sort(out)
		return out
	}
	for loc, want := range map[string][]string{
		"/srv/poetry/poetry.lock":          nil, // lock-version 2.0 does not say
		"/srv/poetry-category/poetry.lock": {"pytest"},
		"/srv/poetry-groups/poetry.lock":   {"ruff"},
		"/srv/pipenv/Pipfile.lock":         {"py", "pytest", "setuptools"},
		"/srv/uv/uv.lock":                  nil,
		"/srv/uv-dev/uv.lock":              {"iniconfig", "pytest"},
	} {
		if diff := cmp.Diff(want, dev(loc)); diff != "" {
			t.Errorf("%s dev packages (-want +got):\n%s", loc, diff)
		}
	}
	if n := len(byLoc["/srv/poetry/poetry.lock"]); n != 9 {
		t.Errorf("poetry.lock: %d packages, want 9", n)
	}
	if n := len(byLoc["/srv/uv/uv.lock"]); n != 7 {
		t.Errorf("uv.lock: %d packages, want 7 (the virtual project left out, both anyio and idna versions in)", n)
	}

	// Requirements: pinned lines only, included files under their own
	// location, and each include loop reported once per reading.
	var reqs []string
	for _, loc := range []string{"/srv/app/requirements.txt", "/srv/app/requirements/base.txt", "/srv/app/requirements/common.txt"} {
		for _, p := range byLoc[loc] {
			reqs = append(reqs, loc[len("/srv/app/"):]+" "+p.Name+"=="+p.Version)
		}
	}
	slices.Sort(reqs)
	want := []string{
		"requirements.txt Django==4.2.16",
		"requirements.txt Jinja2==3.1.4",
		"requirements.txt importlib_metadata==8.5.0",
		"requirements.txt requests==2.32.3",
		"requirements.txt zope.interface==7.0.3",
		"requirements/base.txt urllib3==2.2.3",
		"requirements/common.txt six==1.16.0",
	}
	if diff := cmp.Diff(want, reqs); diff != "" {
		t.Errorf("requirements (-want +got):\n%s", diff)
	}
	var msgs []string
	for _, w := range warnings {
		msgs = append(msgs, w.Path+": "+w.Message)
	}
	for _, sub := range []string{
		"/srv/app/requirements.txt: included file /srv/app/missing.txt does not exist",
		`/srv/app/requirements.txt: line 17: invalid project name "bad name"`,
		"/srv/app/requirements/common.txt: include loop: -r base.txt",
		"/srv/app/requirements/base.txt: include loop: -r common.txt",
	} {
		if !slices.Contains(msgs, sub) {
			t.Errorf("no warning %q in %q", sub, msgs)
		}
	}
	if len(msgs) > 8 {
		t.Errorf("%d warnings: %q", len(msgs), msgs)
	}
}

// TestLayers checks layer attribution: an installed distribution belongs
// to the layer that wrote its metadata; a lock or requirements entry to
// the layer from which the file has listed it (catalog.IntroducedIn).
func TestLayers(t *testing.T) {
	six := readTestdata(t, "root/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO")
	yaml := readTestdata(t, "root/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA")
	record := readTestdata(t, "root/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/RECORD")
	l0 := &layerfs.Extract{Entries: []layerfs.Entry{
		file("usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", six),
		file("app/requirements.txt", []byte("six==1.16.0\n")),
	}}
	l1 := &layerfs.Extract{Entries: []layerfs.Entry{
		file("usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA", yaml),
		file("usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/RECORD", record),
		file("app/requirements.txt", []byte("six==1.16.0\nPyYAML==6.0\n")),
		{Path: "usr/lib/python3/dist-packages/six-1.16.0.egg-info", Type: layerfs.TypeWhiteout},
	}}
	pkgs, warnings := run(t, New(), layerfs.Merge(l0, l1))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprintf("%s %s@%s layer %d", p.Locations[0], p.Name, p.Version, p.Layer))
	}
	slices.Sort(got)
	want := []string{
		"/app/requirements.txt PyYAML@6.0 layer 1",
		"/app/requirements.txt six@1.16.0 layer 0", // listed since layer 0
		"/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA PyYAML@6.0 layer 1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
