package php

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// measure returns how long fn took and how many bytes it allocated.
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

func warned(t *testing.T, warnings []inventory.Warning, path, sub string) {
	t.Helper()
	for _, w := range warnings {
		if w.Path == path && strings.Contains(w.Message, sub) {
			return
		}
	}
	t.Errorf("no warning on %s containing %q in %v", path, sub, warnings)
}

// deep returns JSON nested n arrays deep inside "packages".
func deep(n int) []byte {
	return []byte(`{"packages": ` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}")
}

// TestHostileFiles: each malformed file gives warnings, never a panic,
// and the well-formed entries of a partly malformed file are kept.
func TestHostileFiles(t *testing.T) {
	mixed := `{"packages": [
		{"name": "good/one", "version": "1.0.0", "license": "MIT"},
		{"name": "bad/version", "version": 3},
		{"name": "../../etc/passwd", "version": "1.0"},
		{"name": "noslash", "version": "1.0"},
		{"name": "spaces/inversion", "version": "1.0 || 2.0"},
		{"name": "odd/license", "version": "2.0", "license": {"x": 1}},
		{"name": "many/licenses", "version": "3.0", "license": [` + strings.Repeat(`"MIT", 1, `, 100) + `"MIT"]}
	], "dev-package-names": "not a list"}`
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("a/vendor/composer/installed.json", []byte(mixed)),
		file("b/vendor/composer/installed.json", deep(20_000)),
		file("c/vendor/composer/installed.json", []byte(`{"dev": true}`)),
		file("d/vendor/composer/installed.json", []byte("\x00\x01binary")),
		file("e/vendor/composer/installed.json", bytes.Repeat([]byte(" "), 2<<20)),
		{Path: "f/vendor/composer/installed.json", Type: layerfs.TypeFile, Size: 1 << 30, Matched: true},
		file("g/composer.lock", []byte(`{"packages": {"name": "x/y"}, "packages-dev": [{"name": "x/z", "version": "1"}]}`)),
	}})
	pkgs, warnings := run(t, New(WithMaxFileSize(1<<20)), fsys)
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprintf("%s@%s %d licenses dev=%v", p.Name, p.Version, len(p.Licenses), p.Dev))
	}
	want := "[good/one@1.0.0 1 licenses dev=false many/licenses@3.0 1 licenses dev=false odd/license@2.0 0 licenses dev=false x/z@1 0 licenses dev=true]"
	if fmt.Sprint(got) != want {
		t.Errorf("packages %v, want %s", got, want)
	}
	warned(t, warnings, "/a/vendor/composer/installed.json", "cannot unmarshal")
	warned(t, warnings, "/a/vendor/composer/installed.json", `invalid name or version "bad/version" ""`)
	warned(t, warnings, "/a/vendor/composer/installed.json", `invalid name or version "../../etc/passwd"`)
	warned(t, warnings, "/a/vendor/composer/installed.json", `invalid name or version "noslash"`)
	warned(t, warnings, "/a/vendor/composer/installed.json", `invalid name or version "spaces/inversion"`)
	warned(t, warnings, "/b/vendor/composer/installed.json", "exceeded max depth")
	warned(t, warnings, "/c/vendor/composer/installed.json", "no packages list")
	warned(t, warnings, "/d/vendor/composer/installed.json", "malformed installed.json")
	warned(t, warnings, "/e/vendor/composer/installed.json", "over the limit of 1048576")
	warned(t, warnings, "/f/vendor/composer/installed.json", "file not read")
	warned(t, warnings, "/g/composer.lock", "cannot unmarshal object")
	if len(warnings) != 11 {
		t.Errorf("%d warnings: %v", len(warnings), warnings)
	}
}

// TestManyProblems: the problems of one file are bounded.
func TestManyProblems(t *testing.T) {
	bad := strings.Repeat(`{"name": "bad", "version": "1"},`, 100)
	data := []byte(`{"packages": [` + bad + `{"name": 1}], "packages-dev": [` + bad + `{}]}`)
	recs, problems, err := ParseComposerLock(data)
	if len(recs) != 0 || len(problems) != maxProblems || err != nil {
		t.Errorf("%d records, %d problems, err %v", len(recs), len(problems), err)
	}
}

// TestDeepJSON: 10,000 levels of nesting (20,000 in the file above) are
// refused by encoding/json, quickly and in bounded memory.
func TestDeepJSON(t *testing.T) {
	data := deep(1_000_000)
	var err error
	d, alloc := measure(func() { _, _, err = ParseInstalledJSON(data) })
	t.Logf("1,000,000 levels (%d MiB): %v, %d KiB allocated, err %v", len(data)>>20, d, alloc>>10, err)
	if err == nil || d > 5*time.Second || alloc > 8<<20 {
		t.Errorf("err %v, %v, %d bytes", err, d, alloc)
	}
}

// TestHugeInstalledJSON catalogs a 50 MB installed.json of 20,000
// packages with long descriptions (the size limit is 64 MiB): the memory
// allocated is bounded by what is kept, not by the size of the file.
func TestHugeInstalledJSON(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString(`{"packages": [`)
	desc := strings.Repeat("lorem ipsum ", 200)
	n := 0
	for ; buf.Len() < 50<<20; n++ {
		if n > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, `{"name": "vendor%d/package%d", "version": "v1.%d.0", "version_normalized": "1.%d.0.0",
			"require": {"php": ">=8.1", "ext-json": "*"}, "license": ["MIT"], "description": %q,
			"authors": [{"name": "A", "email": "a@example.org"}], "install-path": "../vendor%d/package%d"}`, n, n, n, n, desc, n, n)
	}
	fmt.Fprintf(&buf, `], "dev": true, "dev-package-names": ["vendor0/package0"]}`)
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{file("app/vendor/composer/installed.json", buf.Bytes())}})
	var pkgs []inventory.Package
	var warnings []inventory.Warning
	d, alloc := measure(func() { pkgs, warnings = run(t, New(), fsys) })
	t.Logf("%d MiB, %d packages: %v, %d MiB allocated", buf.Len()>>20, n, d, alloc>>20)
	if len(pkgs) != n || len(warnings) != 0 || !pkgs[0].Dev || pkgs[1].Dev {
		t.Fatalf("%d packages of %d, warnings %v", len(pkgs), n, warnings)
	}
	// About 2 KiB per package kept (names, PURLs, the inventory), and no
	// copy of the 2.7 KB of text each package has in the file.
	if alloc/uint64(n) > 2700 || d > 30*time.Second {
		t.Errorf("%v and %d bytes allocated for %d packages", d, alloc, n)
	}
}
