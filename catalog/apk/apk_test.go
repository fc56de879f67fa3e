package apk

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var alpine36 = &inventory.OS{ID: "alpine", VersionID: "3.6.2", Name: "Alpine Linux"}

// entry is one tar entry of a test layer: a file, or a link when link is
// set.
type entry struct {
	path string
	data []byte
	link string
}

// layer builds a layer tar and extracts it as a scan does, keeping what the
// cataloger's patterns select.
func layer(t testing.TB, entries ...entry) *layerfs.Extract {
	t.Helper()
	files := make([]testimage.File, 0, len(entries))
	for _, e := range entries {
		f := testimage.File{Name: e.path, Body: e.data}
		if e.link != "" {
			f = testimage.File{Name: e.path, Type: tar.TypeSymlink, Linkname: e.link}
		}
		files = append(files, f)
	}
	return catalogtest.Layer(t, New(), files...)
}

func run(t testing.TB, fsys *layerfs.FS, os *inventory.OS) ([]inventory.Package, []inventory.Warning) {
	return catalogtest.Run(t, New(), fsys, os)
}

func readTestdata(t testing.TB, name string) []byte { return catalogtest.ReadTestdata(t, name) }

func golden(t *testing.T, name string, got any) { catalogtest.Golden(t, name, got, *update) }

// TestRealDatabase reads the installed database of a real Alpine 3.6
// image.
func TestRealDatabase(t *testing.T) {
	fsys := layerfs.Merge(layer(t, entry{path: "lib/apk/db/installed", data: readTestdata(t, "alpine-3.6.installed")}))
	pkgs, warnings := run(t, fsys, alpine36)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	golden(t, "alpine-3.6.golden.json", pkgs)

	// The golden file is checked by eye once; these are checked always.
	byName := map[string]inventory.Package{}
	for _, p := range pkgs {
		byName[p.Name] = p
	}
	if len(pkgs) != 11 {
		t.Errorf("got %d packages, want the 11 of the database", len(pkgs))
	}
	ssl := byName["libressl2.5-libssl"]
	want := inventory.Package{
		Name:          "libressl2.5-libssl",
		Version:       "2.5.4-r0",
		SourceName:    "libressl",
		SourceVersion: "2.5.4-r0",
		Arch:          "x86_64",
		Type:          "apk",
		Ecosystem:     "Alpine:v3.6",
		PURL:          "pkg:apk/alpine/libressl2.5-libssl@2.5.4-r0?arch=x86_64&distro=alpine-3.6.2&upstream=libressl",
		Licenses:      []string{"custom"},
		Layer:         0,
		Locations:     []string{"/lib/apk/db/installed"},
		Files: []string{
			"/lib/libssl.so.43.0.2", "/lib/libssl.so.43",
			"/usr/lib/libssl.so.43.0.2", "/usr/lib/libssl.so.43",
		},
	}
	if diff := cmp.Diff(want, ssl); diff != "" {
		t.Errorf("libressl2.5-libssl (-want +got):\n%s", diff)
	}
	if p := byName["musl"].PURL; p != "pkg:apk/alpine/musl@1.1.16-r9?arch=x86_64&distro=alpine-3.6.2" {
		t.Errorf("musl PURL %s: the origin is the package itself, no upstream", p)
	}
	if l := byName["musl-utils"].Licenses; !slices.Equal(l, []string{"MIT", "BSD", "GPL2+"}) {
		t.Errorf("musl-utils licenses %q", l)
	}
	for _, f := range []string{"/bin/busybox", "/bin/sh", "/etc/network/if-up.d/dad", "/etc/logrotate.d/acpid"} {
		if !slices.Contains(byName["busybox"].Files, f) {
			t.Errorf("busybox does not own %s", f)
		}
	}
	if n := len(byName["alpine-keys"].Files); n != 18 {
		t.Errorf("alpine-keys owns %d files, want 18 (R: lines under 10 F: directories)", n)
	}
	if f := byName["libc-utils"].Files; f != nil {
		t.Errorf("libc-utils, a meta package, owns %q", f)
	}
}

// TestEdgeCases reads a database made to hold the records apk writes
// rarely or never (testdata/edge-cases.py).
func TestEdgeCases(t *testing.T) {
	fsys := layerfs.Merge(layer(t, entry{path: "lib/apk/db/installed", data: readTestdata(t, "edge-cases.installed")}))
	pkgs, warnings := run(t, fsys, &inventory.OS{ID: "alpine", VersionID: "3.21.2"})
	golden(t, "edge-cases.golden.json", map[string]any{"packages": pkgs, "warnings": warnings})

	got := map[string]inventory.Package{}
	for _, p := range pkgs {
		got[p.Name] = p
	}
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"bare", "crlf-pkg", "dots", "last", "long", "odd"}, names); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	crlf := got["crlf-pkg"]
	if diff := cmp.Diff([]string{"/usr/bin/one", "/usr/bin/two", "/usr/share/crlf/three.txt", "/usr/share/crlf/name with spaces", "/etc/crlf.conf"}, crlf.Files); diff != "" {
		t.Errorf("crlf-pkg files (-want +got):\n%s", diff)
	}
	if crlf.Version != "1.0-r0" || crlf.Arch != "aarch64" || !slices.Equal(crlf.Licenses, []string{"MIT", "BSD-2-Clause"}) {
		t.Errorf("crlf-pkg: CR left in values? %q %q %q", crlf.Version, crlf.Arch, crlf.Licenses)
	}
	if b := got["bare"]; b.SourceName != "bare" || b.Arch != "" || b.Licenses != nil || !slices.Equal(b.Files, []string{"/opt/bare"}) {
		t.Errorf("bare: %+v", b)
	}
	if o := got["odd"]; !slices.Equal(o.Licenses, []string{"(MIT OR Apache-2.0) AND Zlib"}) || !slices.Equal(o.Files, []string{"/usr/lib/libodd.so.2"}) {
		t.Errorf("odd: licenses %q, files %q", o.Licenses, o.Files)
	}
	if f := got["long"].Files; len(f) != 1 || len(f[0]) != len("/usr/share/long/")+255 {
		t.Errorf("long: files %q", f)
	}
	if f := got["dots"].Files; !slices.Equal(f, []string{"/passwd"}) {
		t.Errorf("dots: files %q, want paths kept inside the root", f)
	}
	if l := got["last"]; l.SourceName != "last-src" || !slices.Equal(l.Files, []string{"/var/lib/last/state"}) {
		t.Errorf("last: %+v", l)
	}
	for _, w := range []string{
		`record without a package name`,
		`package "noversion" has no version`,
		`file "orphan" listed before any directory`,
		`not a field`,
		`package "bare" "0.1-r2" listed twice`,
	} {
		if !slices.ContainsFunc(warnings, func(x inventory.Warning) bool { return strings.Contains(x.Message, w) }) {
			t.Errorf("no warning %q in %v", w, warnings)
		}
	}
}

// TestLayers checks per-package layer attribution when later layers add,
// upgrade and remove packages.
func TestLayers(t *testing.T) {
	real, _ := ParseInstalled(readTestdata(t, "alpine-3.6.installed"))
	records := recordsOf(t, readTestdata(t, "alpine-3.6.installed"))
	db := func(names ...string) []byte {
		var b bytes.Buffer
		for _, n := range names {
			b.WriteString(records[n])
			b.WriteString("\n")
		}
		return b.Bytes()
	}
	if len(real) != len(records) {
		t.Fatalf("split %d records, parsed %d", len(records), len(real))
	}
	upgraded := strings.Replace(records["zlib"], "V:1.2.11-r0", "V:1.2.11-r1", 1)

	fsys := layerfs.Merge(
		layer(t, entry{path: "lib/apk/db/installed", data: db("musl", "busybox", "alpine-baselayout", "zlib")}, entry{path: "etc/hostname", data: []byte("x\n")}),
		layer(t, entry{path: "etc/motd", data: []byte("hi\n")}), // the database is not touched
		layer(t, entry{path: "lib/apk/db/installed", data: append(db("musl", "busybox", "alpine-baselayout", "scanelf"), upgraded...)}),
		layer(t, entry{path: "lib/apk/db/installed", data: append(db("musl", "alpine-baselayout", "scanelf", "apk-tools"), upgraded...)}),
	)
	pkgs, warnings := run(t, fsys, alpine36)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	got := map[string]int{}
	for _, p := range pkgs {
		got[p.Name+" "+p.Version] = p.Layer
	}
	want := map[string]int{
		"musl 1.1.16-r9":             0,
		"alpine-baselayout 3.0.4-r0": 0,
		"scanelf 1.2.2-r0":           2,
		"zlib 1.2.11-r1":             2, // upgraded in layer 2
		"apk-tools 2.7.1-r1":         3,
		// busybox was removed in layer 3
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
}

// recordsOf splits a database into its records, by package name.
func recordsOf(t testing.TB, data []byte) map[string]string {
	out := map[string]string{}
	for _, rec := range strings.Split(strings.TrimSpace(string(data)), "\n\n") {
		for _, line := range strings.Split(rec, "\n") {
			if name, ok := strings.CutPrefix(line, "P:"); ok {
				out[name] = rec + "\n"
			}
		}
	}
	return out
}

// TestMergedUsr: where lib is a link to usr/lib, the layer stores the
// database under usr/lib, and it is read once.
func TestMergedUsr(t *testing.T) {
	fsys := layerfs.Merge(layer(t,
		entry{path: "lib", link: "usr/lib"},
		entry{path: "usr/lib/apk/db/installed", data: readTestdata(t, "alpine-3.6.installed")},
	))
	pkgs, warnings := run(t, fsys, &inventory.OS{ID: "wolfi", VersionID: "20230201"})
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if len(pkgs) != 11 {
		t.Fatalf("got %d packages, want 11 (one database, read once)", len(pkgs))
	}
	p := pkgs[0]
	if p.Ecosystem != "Wolfi" || !strings.HasPrefix(p.PURL, "pkg:apk/wolfi/") || !slices.Equal(p.Locations, []string{"/usr/lib/apk/db/installed"}) {
		t.Errorf("got %s %s %q", p.Ecosystem, p.PURL, p.Locations)
	}
}

func TestNoDatabase(t *testing.T) {
	pkgs, warnings := run(t, layerfs.Merge(layer(t, entry{path: "etc/os-release", data: []byte("ID=alpine\n")})), alpine36)
	if len(pkgs) != 0 || len(warnings) != 0 {
		t.Errorf("got %v, %v", pkgs, warnings)
	}
}

func TestEcosystem(t *testing.T) {
	tests := []struct {
		os   *inventory.OS
		want string
	}{
		{&inventory.OS{ID: "alpine", VersionID: "3.21.2"}, "Alpine:v3.21"},
		{&inventory.OS{ID: "alpine", VersionID: "3.6"}, "Alpine:v3.6"},
		{&inventory.OS{ID: "alpine", VersionID: "3.22_alpha20250108", PrettyName: "Alpine Linux edge"}, ""},
		{&inventory.OS{ID: "alpine", VersionID: "edge"}, ""},
		{&inventory.OS{ID: "alpine"}, ""},
		{&inventory.OS{ID: "alpine", VersionID: "3..1"}, ""},
		{&inventory.OS{ID: "alpine", VersionID: "3.21.2.1"}, ""},
		{&inventory.OS{ID: "wolfi", VersionID: "20230201"}, "Wolfi"},
		{&inventory.OS{ID: "chainguard"}, "Chainguard"},
		{&inventory.OS{ID: "postmarketos", VersionID: "v23.12"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := Ecosystem(tt.os); got != tt.want {
			t.Errorf("Ecosystem(%+v) = %q, want %q", tt.os, got, tt.want)
		}
	}
}

func TestLicenses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"MIT", []string{"MIT"}},
		{"MIT BSD GPL2+", []string{"MIT", "BSD", "GPL2+"}},
		{"GPL-2.0-or-later AND MIT", []string{"GPL-2.0-or-later", "MIT"}},
		{"MIT and MIT", []string{"MIT"}},
		{"MIT OR Apache-2.0", []string{"MIT OR Apache-2.0"}},
		{"GPL-2.0-only WITH Linux-syscall-note", []string{"GPL-2.0-only WITH Linux-syscall-note"}},
		{"( Apache-2.0 OR MIT ) AND MPL-2.0", []string{"( Apache-2.0 OR MIT ) AND MPL-2.0"}},
		{"", nil},
		{" AND ", nil},
	}
	for _, tt := range tests {
		if got := licenses(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("licenses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestHostile: large and malformed databases stay within bounds.
func TestHostile(t *testing.T) {
	t.Run("a million tiny records", func(t *testing.T) {
		var b bytes.Buffer
		for i := range 1_000_000 {
			fmt.Fprintf(&b, "P:p%d\nV:1\n\n", i)
		}
		entries, problems := measure(t, b.Bytes())
		if len(entries) != maxRecords {
			t.Errorf("kept %d records, want the first %d", len(entries), maxRecords)
		}
		if len(problems) != 1 || !strings.Contains(problems[0], "800000 records ignored") {
			t.Errorf("problems: %q", problems)
		}
	})
	t.Run("one directory, a million files", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("P:wide\nV:1\nF:" + strings.Repeat("d", 4000) + "\n")
		for range 1_000_000 {
			b.WriteString("R:f\n")
		}
		entries, problems := measure(t, b.Bytes())
		n := len(entries[0].Files)
		if n == 0 || n*4003 > maxFileBytes {
			t.Errorf("kept %d files of 4003 bytes each, over the %d byte bound", n, maxFileBytes)
		}
		if len(problems) != 1 || !strings.Contains(problems[0], "file lists is ignored") {
			t.Errorf("problems: %q", problems)
		}
	})
	t.Run("50 MiB of garbage", func(t *testing.T) {
		garbage := make([]byte, 50<<20)
		for i := range garbage {
			garbage[i] = byte(i*7919 + i>>9)
		}
		entries, problems := measure(t, garbage)
		if len(entries) != 0 || len(problems) != maxProblems+1 {
			t.Errorf("%d entries, %d problems", len(entries), len(problems))
		}
	})
	t.Run("no newline at all", func(t *testing.T) {
		entries, problems := measure(t, bytes.Repeat([]byte("P:x"), 10<<20))
		if len(entries) != 0 || len(problems) != 1 {
			t.Errorf("%d entries, problems %q", len(entries), problems)
		}
	})
}

// measure parses data and logs the time and the memory it took.
func measure(t *testing.T, data []byte) ([]Entry, []string) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	entries, problems := ParseInstalled(data)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("%d bytes: %d records, %d problems in %v, %d MiB allocated", len(data), len(entries), len(problems), elapsed, (after.TotalAlloc-before.TotalAlloc)>>20)
	return entries, problems
}

func TestPatternsCoverEveryRead(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range dbPaths() {
		if !m.Match(p) {
			t.Errorf("patterns miss %s", p)
		}
	}
}
