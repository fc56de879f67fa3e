package golang

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/catalog/executable"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o755, Size: int64(len(data)), Data: data, Captured: true}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// module is what a test compares of a package.
type module struct {
	Name, Version, SourceName, SourceVersion string
}

// goVersionM runs `go version -m` on bin and returns the modules it prints,
// as the cataloger should report them: the independent truth.
func goVersionM(t *testing.T, bin string) []module {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	_, toolchain, ok := strings.Cut(lines[0], ": ")
	if !ok {
		t.Fatalf("go version -m: unexpected first line %q", lines[0])
	}
	devel := func(v string) string {
		if v == "(devel)" {
			return ""
		}
		return v
	}
	var mods []module
	for _, line := range lines[1:] {
		f := strings.Split(strings.TrimPrefix(line, "\t"), "\t")
		switch f[0] {
		case "mod":
			mods = append(mods, module{Name: f[1], Version: devel(f[2])})
		case "dep":
			mods = append(mods, module{Name: f[1], Version: devel(f[2])})
		case "=>":
			last := &mods[len(mods)-1]
			last.SourceName, last.SourceVersion = last.Name, last.Version
			last.Name, last.Version = f[1], devel(f[2])
			if strings.HasPrefix(f[1], "./") || strings.HasPrefix(f[1], "../") {
				last.Name = last.SourceName // a directory is no module
			}
		}
	}
	// The test toolchain is a release "go1.N.P": its version is "v1.N.P".
	mods = append(mods, module{Name: "stdlib", Version: "v" + strings.TrimPrefix(toolchain, "go"), SourceName: "go", SourceVersion: toolchain})
	return mods
}

func modules(pkgs []inventory.Package) []module {
	var out []module
	for _, p := range pkgs {
		out = append(out, module{p.Name, p.Version, p.SourceName, p.SourceVersion})
	}
	return out
}

func sortedModules(ms []module) []module {
	inv := inventory.Inventory{}
	for _, m := range ms {
		inv.Packages = append(inv.Packages, inventory.Package{Name: m.Name, Version: m.Version, SourceName: m.SourceName, SourceVersion: m.SourceVersion})
	}
	inv.Sort()
	return modules(inv.Packages)
}

// TestBinaryMatchesGoVersionM checks the cataloger against the go
// command's own reading of real binaries, stripped or not.
func TestBinaryMatchesGoVersionM(t *testing.T) {
	bins := testBinaries(t)
	for name, bin := range map[string]string{"plain": bins.plain, "stripped": bins.stripped} {
		t.Run(name, func(t *testing.T) {
			want := goVersionM(t, bin)
			// Sanity of the truth itself: the pinned versions and both
			// kinds of replacement are there.
			for _, m := range []module{
				{"github.com/google/uuid", "v1.3.0", "", ""},
				{"golang.org/x/text", "v0.3.8", "golang.org/x/text", "v0.3.7"},
				{"example.com/vigil/local", "", "example.com/vigil/local", "v0.1.0"},
				{"example.com/vigil/gobin", "", "", ""},
			} {
				if !containsModule(want, m) {
					t.Fatalf("go version -m does not list %+v: %+v", m, want)
				}
			}
			fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{file("usr/local/bin/gobin", readFile(t, bin))}})
			pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			if diff := cmp.Diff(sortedModules(want), modules(pkgs)); diff != "" {
				t.Errorf("packages differ from go version -m (-want +got):\n%s", diff)
			}
			for _, p := range pkgs {
				if p.Type != inventory.TypeGolang || p.Ecosystem != "Go" || p.Layer != 0 {
					t.Errorf("%s: type %q ecosystem %q layer %d", p.Name, p.Type, p.Ecosystem, p.Layer)
				}
				if diff := cmp.Diff([]string{"/usr/local/bin/gobin"}, p.Locations); diff != "" {
					t.Errorf("%s locations (-want +got):\n%s", p.Name, diff)
				}
				if p.PURL != PURL(p.Name, p.Version) {
					t.Errorf("%s purl = %s", p.Name, p.PURL)
				}
			}
		})
	}
}

func containsModule(ms []module, m module) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// TestNotGoELF: a real ELF file that Go did not build gives nothing, and no
// warning; neither do scripts or data files in binary directories.
func TestNotGoELF(t *testing.T) {
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("bin/true", readFile(t, "/bin/true")),
		file("usr/bin/script", []byte("#!/bin/sh\necho hi\n")),
		file("app/config.json", []byte(`{"a":1}`)),
		file("usr/bin/empty", nil),
	}})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(pkgs) != 0 || len(warnings) != 0 {
		t.Errorf("packages %v, warnings %v; want none", pkgs, warnings)
	}
}

func TestPURL(t *testing.T) {
	for _, tc := range []struct{ path, version, want string }{
		{"github.com/google/uuid", "v1.3.0", "pkg:golang/github.com/google/uuid@v1.3.0"},
		{"github.com/Azure/azure-sdk-for-go/sdk/azcore", "v1.11.1", "pkg:golang/github.com/Azure/azure-sdk-for-go/sdk/azcore@v1.11.1"},
		{"golang.org/x/text", "v0.3.8", "pkg:golang/golang.org/x/text@v0.3.8"},
		{"stdlib", "v1.22.3", "pkg:golang/stdlib@v1.22.3"},
		{"example.com/app", "", "pkg:golang/example.com/app"},
		{"github.com/foo/bar", "v0.0.0-20230101000000-abcdef123456+incompatible", "pkg:golang/github.com/foo/bar@v0.0.0-20230101000000-abcdef123456%2Bincompatible"},
	} {
		if got := PURL(tc.path, tc.version); got != tc.want {
			t.Errorf("PURL(%q, %q) = %s, want %s", tc.path, tc.version, got, tc.want)
		}
	}
}

func TestGoVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.3":                "v1.22.3",
		"go1.22.3 X:boringcrypto": "v1.22.3",
		"go1.20.5 X:nocoverageredesign,boringcrypto": "v1.20.5",
		"go1.21":                  "v1.21.0",
		"go1.21.0":                "v1.21.0",
		"go1.21rc2":               "v1.21.0-rc.2",
		"go1.9beta2":              "v1.9.0-beta.2",
		"go1":                     "v1.0.0",
		"go1.21.0-bigcorp":        "v1.21.0",
		"devel go1.23-abcdef Tue": "",
		"devel +abcdef":           "",
		"":                        "",
		"go":                      "",
		"go1.x":                   "",
		"go1.01":                  "",
		"go1.2.3.4":               "",
		"gorc1":                   "",
		"go1.21rc":                "",
	} {
		if got := GoVersion(in); got != want {
			t.Errorf("GoVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSyntheticBinaries covers what real binaries of this toolchain cannot
// show: older and odd toolchain versions, binaries built outside module
// mode, other executable formats' magic.
func TestSyntheticBinaries(t *testing.T) {
	modinfo := "path\texample.com/cmd/x\nmod\texample.com\tv1.2.3\t\ndep\tgolang.org/x/net\tv0.1.0\t\n=>\texample.com/fork/net\tv0.1.1\t\ndep\tgithub.com/a/b\t(devel)\t\n"
	got, err := BinaryModules(syntheticELF("go1.20.5 X:boringcrypto", modinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{
		{Path: "example.com", Version: "v1.2.3", Main: true},
		{Path: "example.com/fork/net", Version: "v0.1.1", SourcePath: "golang.org/x/net", SourceVersion: "v0.1.0"},
		{Path: "github.com/a/b"},
		{Path: "stdlib", Version: "v1.20.5", SourcePath: "go", SourceVersion: "go1.20.5 X:boringcrypto"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
	// Outside module mode there is only the toolchain; a development
	// toolchain has no version anyone can match.
	got, err = BinaryModules(syntheticELF("devel go1.23-abcdef", ""))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Module{{Path: "stdlib", SourcePath: "go", SourceVersion: "devel go1.23-abcdef"}}, got); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
}

// TestLayers builds the file system from two layer extracts: packages
// belong to the layer that introduced them, and a binary rewritten
// unchanged by a later layer (a chmod) keeps its layer.
func TestLayers(t *testing.T) {
	bins := testBinaries(t)
	plain, stripped := readFile(t, bins.plain), readFile(t, bins.stripped)
	gomod0 := "module example.com/app\n\ngo 1.22\n\nrequire github.com/google/uuid v1.3.0\n"
	gomod1 := "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/google/uuid v1.3.0\n\tgolang.org/x/sync v0.5.0 // indirect\n)\n"
	l0 := &layerfs.Extract{Entries: []layerfs.Entry{
		{Path: "usr", Type: layerfs.TypeDir},
		{Path: "usr/bin", Type: layerfs.TypeDir},
		{Path: "bin", Type: layerfs.TypeSymlink, Link: "usr/bin"},
		file("usr/bin/gobin", plain),
		file("src/app/go.mod", []byte(gomod0)),
	}}
	l1 := &layerfs.Extract{Entries: []layerfs.Entry{
		file("usr/bin/gobin", plain), // RUN chmod
		file("app/server", stripped),
		file("src/app/go.mod", []byte(gomod1)),
	}}
	pkgs, warnings := catalogtest.Run(t, New(), layerfs.Merge(l0, l1), nil)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	type where struct {
		Name     string
		Location string
		Layer    int
	}
	var got []where
	for _, p := range pkgs {
		if p.Name == "stdlib" || strings.HasPrefix(p.Name, "golang.org/x/text") || strings.HasPrefix(p.Name, "example.com/vigil/") {
			continue
		}
		got = append(got, where{p.Name, p.Locations[0], p.Layer})
	}
	want := []where{
		{"example.com/app", "/src/app/go.mod", 0},
		{"github.com/google/uuid", "/usr/bin/gobin", 0},
		{"github.com/google/uuid", "/app/server", 1},
		{"github.com/google/uuid", "/src/app/go.mod", 0},
		{"golang.org/x/sync", "/src/app/go.mod", 1},
	}
	less := func(a, b where) bool { return a.Name+a.Location < b.Name+b.Location }
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(less)); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	// bin -> usr/bin does not make the binary appear twice.
	n := 0
	for _, p := range pkgs {
		if p.Name == "stdlib" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("stdlib found %d times, want 2 (one per binary)", n)
	}
}

// TestLargeBinary runs a real layer tar through layerfs with a small file
// size limit: the binary is not captured, and the cataloger says so.
func TestLargeBinary(t *testing.T) {
	bin := readFile(t, testBinaries(t).plain)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{
		{"usr/local/bin/big", 0o755, bin},
		{"app/big.dat", 0o644, bin}, // not executable: no warning
		{"usr/bin/small", 0o755, readFile(t, "/bin/true")},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	c := New()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := layerfs.ExtractTar(context.Background(), &buf, m, layerfs.ExtractOptions{Limits: layerfs.Limits{MaxFileSize: int64(len(bin)) - 1}})
	if err != nil {
		t.Fatal(err)
	}
	pkgs, warnings := catalogtest.Run(t, c, layerfs.Merge(ext), nil)
	if len(pkgs) != 0 {
		t.Errorf("packages: %v", pkgs)
	}
	if len(warnings) != 1 || warnings[0].Path != "/usr/local/bin/big" || !strings.Contains(warnings[0].Message, "not captured") {
		t.Errorf("warnings = %+v, want one about /usr/local/bin/big", warnings)
	}
}

// TestHostileBinaries: truncated, corrupted and huge inputs end in an
// error or nothing, quickly, and never in a panic.
func TestHostileBinaries(t *testing.T) {
	bin := readFile(t, testBinaries(t).plain)
	magic := bytes.Index(bin, []byte("\xff Go buildinf:"))
	if magic < 0 {
		t.Fatal("no build information magic in the test binary")
	}
	inputs := map[string][]byte{
		"header only":           bin[:4096],
		"half":                  bin[:len(bin)/2],
		"cut in buildinfo":      bin[:magic+40],
		"100 MB of zeros":       make([]byte, 100<<20),
		"ELF header and 100 MB": append(append([]byte(nil), bin[:4096]...), make([]byte, 100<<20)...),
	}
	corrupt := func(name string, f func(b []byte)) {
		b := append([]byte(nil), bin...)
		f(b)
		inputs[name] = b
	}
	corrupt("huge string length", func(b []byte) {
		copy(b[magic+32:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	})
	corrupt("bad flags", func(b []byte) { b[magic+15] = 0 }) // pointer format with garbage pointers
	corrupt("garbage modinfo", func(b []byte) {
		for i := magic + 64; i < magic+512 && i < len(b); i++ {
			b[i] = '\t'
		}
	})
	corrupt("no section headers", func(b []byte) {
		copy(b[0x28:], make([]byte, 8)) // e_shoff
		b[0x3c], b[0x3d] = 0, 0         // e_shnum
	})
	for name, data := range inputs {
		start := time.Now()
		mods, err := BinaryModules(data)
		if err != nil && strings.HasPrefix(err.Error(), executable.PanicMessage) {
			t.Errorf("%s: %v", name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		t.Logf("%s: %d modules, err %v (%v)", name, len(mods), err, time.Since(start))
	}
	// Through the cataloger: at most warnings.
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("app/a", inputs["cut in buildinfo"]),
		file("app/b", inputs["huge string length"]),
	}})
	_, warnings := catalogtest.Run(t, New(), fsys, nil)
	for _, w := range warnings {
		if strings.Contains(w.Message, "internal error") {
			t.Errorf("warning: %+v", w)
		}
	}
}

func TestPatterns(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"usr/bin/kubectl":                        true,
		"bin/busybox":                            true,
		"manager":                                true,
		"usr/local/go/bin/go":                    true,
		"usr/local/go/pkg/tool/linux_amd64/link": true,
		"usr/lib/go-1.19/bin/gofmt":              true,
		"root/go/bin/dlv":                        true,
		"ko-app/server":                          true,
		"app/server":                             true,
		"opt/bitnami/common/bin/gosu":            true,
		"src/app/go.mod":                         true,
		"usr/share/doc/bash/copyright":           false,
		"usr/lib/x86_64-linux-gnu/libc.so.6":     false,
		"usr/bin/sub/dir/file":                   false,
		"app/node_modules/x/index.js":            false,
		"usr/local/go/src/net/http/server.go":    false,
	} {
		if got := m.Match(p); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
	for _, p := range New().Patterns() {
		if strings.HasPrefix(p, "**/") && p != goModPattern {
			t.Errorf("pattern %q matches at any depth", p)
		}
	}
}

// TestRootfs runs the cataloger over the debootstrapped bookworm root file
// system. Debian minbase has no Go binary: the hundreds of real ELF files in
// its binary directories are looked at (sniffed) and none is kept in
// memory, and nothing is reported.
func TestRootfs(t *testing.T) {
	root := testenv.Get(t, "VIGIL_TEST_ROOTFS")
	c := New()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := layerfs.ExtractDir(context.Background(), root, m, layerfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	sniffed := 0
	for _, e := range ext.Entries {
		if e.Type == layerfs.TypeFile && m.Match(e.Path) && path.Base(e.Path) != "go.mod" {
			sniffed++
		}
		if e.Captured {
			t.Errorf("%s kept in memory (%d bytes)", e.Path, len(e.Data))
		}
	}
	if sniffed < 100 {
		t.Errorf("only %d files in binary directories: are the patterns right?", sniffed)
	}
	pkgs, warnings := catalogtest.Run(t, c, layerfs.Merge(ext), nil)
	if len(pkgs) != 0 || len(warnings) != 0 {
		t.Errorf("packages %v, warnings %v; want none", pkgs, warnings)
	}
}

func BenchmarkBinaryModules(b *testing.B) {
	data := readFile(b, testBinaries(b).plain)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := BinaryModules(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNotGoELF(b *testing.B) {
	data := readFile(b, "/usr/bin/bash")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := BinaryModules(data); !errors.Is(err, ErrNotGo) {
			b.Fatal(err)
		}
	}
}

// TestSniffThroughLayer streams a layer with a Go binary, its stripped
// twin, a C program and a shell script in usr/local/bin through the matcher
// a scan builds (catalog.Matcher): only the Go binaries are kept and
// listed, and they give the same packages as go version -m.
func TestSniffThroughLayer(t *testing.T) {
	bins := testBinaries(t)
	c := New()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	trueBin := readFile(t, "/bin/true")
	layer := testimage.LayerTar(
		testimage.File{Name: "usr/local/bin/gobin", Mode: 0o755, Body: readFile(t, bins.plain)},
		testimage.File{Name: "usr/local/bin/gobin-stripped", Mode: 0o755, Body: readFile(t, bins.stripped)},
		testimage.File{Name: "usr/local/bin/gobin-nobuildid", Mode: 0o755, Body: readFile(t, bins.noBuildID)},
		testimage.File{Name: "usr/local/bin/true", Mode: 0o755, Body: trueBin},
		testimage.File{Name: "usr/local/bin/script", Mode: 0o755, Body: []byte("#!/bin/sh\necho hi\n")},
	)
	ext, err := layerfs.ExtractTar(context.Background(), bytes.NewReader(layer), m, layerfs.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fsys := layerfs.Merge(ext)
	var matched []string
	for _, info := range fsys.Matched() {
		matched = append(matched, info.Path)
	}
	if want := []string{"usr/local/bin/gobin", "usr/local/bin/gobin-nobuildid", "usr/local/bin/gobin-stripped"}; !slices.Equal(matched, want) {
		t.Errorf("matched = %q, want %q", matched, want)
	}
	pkgs, warnings := catalogtest.Run(t, c, fsys, nil)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	for name, bin := range map[string]string{"gobin": bins.plain, "gobin-nobuildid": bins.noBuildID} {
		var found []inventory.Package
		for _, p := range pkgs {
			if slices.Contains(p.Locations, "/usr/local/bin/"+name) {
				found = append(found, p)
			}
		}
		if got, want := sortedModules(modules(found)), sortedModules(goVersionM(t, bin)); !slices.Equal(got, want) {
			t.Errorf("%s: packages %v, want %v", name, got, want)
		}
	}
	// What is kept of a binary is its build information, not the binary.
	for _, info := range fsys.Matched() {
		if data, _, _ := fsys.ReadFile(info.Path); len(data) > 8<<10 || int64(len(data)) >= info.Size {
			t.Errorf("%s: kept %d of %d bytes", info.Path, len(data), info.Size)
		}
	}
}
