package rust

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/executable"
	"github.com/vigil-dev/vigil/catalog/golang"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o755, Size: int64(len(data)), Data: data, Captured: true}
}

func run(t testing.TB, c *Cataloger, entries ...layerfs.Entry) ([]inventory.Package, []inventory.Warning) {
	t.Helper()
	return catalogtest.Run(t, c, layerfs.Merge(&layerfs.Extract{Entries: entries}), nil)
}

// lockTruth reads a Cargo.lock line by line, independently of the TOML
// decoder: name, version and source of each [[package]] (and [root]).
func lockTruth(t *testing.T, data []byte) []Crate {
	t.Helper()
	var out []Crate
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "[[package]]" || line == "[root]":
			out = append(out, Crate{})
		case strings.HasPrefix(line, "[") || len(out) == 0:
		default:
			k, v, ok := strings.Cut(line, " = ")
			if !ok || !strings.HasPrefix(v, `"`) {
				continue
			}
			v = strings.Trim(v, `"`)
			switch last := &out[len(out)-1]; k {
			case "name":
				last.Name = v
			case "version":
				last.Version = v
			case "source":
				last.Source = v
			}
		}
	}
	return out
}

// TestCargoLockReal reads real lock files of every version: the v1, v2
// and v3 examples of Debian's librust-cargo-lock-dev and the v4 lock file
// of testdata/project, written by cargo 1.95.
func TestCargoLockReal(t *testing.T) {
	for _, tc := range []struct {
		file          string
		crates, local int
	}{
		{"lock/Cargo.lock.v1", 141, 5},
		{"lock/Cargo.lock.v2", 25, 1},
		{"lock/Cargo.lock.v3", 25, 1},
		{"project/Cargo.lock", 6, 2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := catalogtest.ReadTestdata(t, tc.file)
			truth := lockTruth(t, data)
			pkgs, warnings := run(t, New(), file("src/app/Cargo.lock", data))
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			if len(pkgs) != tc.crates || len(truth) != tc.crates {
				t.Fatalf("%d packages, %d in the file; want %d", len(pkgs), len(truth), tc.crates)
			}
			local := 0
			for _, p := range pkgs {
				i := slices.IndexFunc(truth, func(c Crate) bool { return c.Name == p.Name && c.Version == p.Version })
				if i < 0 {
					t.Errorf("%s@%s is not in the file", p.Name, p.Version)
					continue
				}
				src := truth[i].Source
				if src == "" {
					local++
				}
				wantEco := ""
				if src == cratesIOGit {
					wantEco = Ecosystem
				}
				if p.Ecosystem != wantEco || p.Type != inventory.TypeCargo || p.Dev || p.PURL != "pkg:cargo/"+p.Name+"@"+strings.ReplaceAll(p.Version, "+", "%2B") {
					t.Errorf("%+v (source %q)", p, src)
				}
				if !slices.Equal(p.Locations, []string{"/src/app/Cargo.lock"}) {
					t.Errorf("%s locations = %v", p.Name, p.Locations)
				}
			}
			if local != tc.local {
				t.Errorf("%d local crates, want %d", local, tc.local)
			}
			catalogtest.Golden(t, strings.ReplaceAll(tc.file, "/", "-")+".golden.json", pkgs, *update)
		})
	}
}

// TestCargoLockSources covers what the real files lack: git and other
// registries' sources, the sparse crates.io index, a version 1 [root]
// table, and entries without a name or version.
func TestCargoLockSources(t *testing.T) {
	lock := `version = 4
[root]
name = "old-root"
version = "0.0.1"

[[package]]
name = "serde"
version = "1.0.200"
source = "sparse+https://index.crates.io/"

[[package]]
name = "tokio"
version = "1.37.0"
source = "git+https://github.com/tokio-rs/tokio?branch=master#0123456789abcdef"

[[package]]
name = "internal"
version = "2.0.0"
source = "registry+https://my-registry.example.com/index"

[[package]]
name = "noversion"

[[package]]
name = "serde"
version = "1.0.200"
source = "sparse+https://index.crates.io/"
`
	pkgs, warnings := run(t, New(), file("Cargo.lock", []byte(lock)))
	want := []inventory.Package{
		{Name: "internal", Version: "2.0.0", PURL: "pkg:cargo/internal@2.0.0?repository_url=https:%2F%2Fmy-registry.example.com%2Findex"},
		{Name: "old-root", Version: "0.0.1", PURL: "pkg:cargo/old-root@0.0.1"},
		{Name: "serde", Version: "1.0.200", PURL: "pkg:cargo/serde@1.0.200", Ecosystem: Ecosystem},
		{Name: "tokio", Version: "1.37.0", PURL: "pkg:cargo/tokio@1.37.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Ftokio-rs%2Ftokio%400123456789abcdef"},
	}
	for i := range want {
		want[i].Type, want[i].Locations = inventory.TypeCargo, []string{"/Cargo.lock"}
	}
	if diff := cmp.Diff(want, pkgs); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if len(warnings) != 1 || warnings[0].Message != "1 packages without a name or version skipped" {
		t.Errorf("warnings = %v", warnings)
	}
}

// TestCrateSourcesSkipped: the lock files of crates' own sources (a Cargo
// home, Debian's registry, cargo vendor) describe no application.
func TestCrateSourcesSkipped(t *testing.T) {
	data := catalogtest.ReadTestdata(t, "lock/Cargo.lock.v2")
	pkgs, _ := run(t, New(),
		file("usr/share/cargo/registry/cargo-lock-8.0.2/Cargo.lock", data),
		file("root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/x-1.0.0/Cargo.lock", data),
		file("home/u/.cargo/git/checkouts/x-1234/abcd/Cargo.lock", data),
		file("src/app/vendor/x/Cargo.lock", data),
		file("src/app/Cargo.lock", data),
	)
	var locs []string
	for _, p := range pkgs {
		if !slices.Contains(locs, p.Locations[0]) {
			locs = append(locs, p.Locations[0])
		}
	}
	if !slices.Equal(locs, []string{"/src/app/Cargo.lock"}) {
		t.Errorf("lock files read: %v", locs)
	}
}

// TestAuditableBinaries reads the audit data of real executables
// (testdata/make-auditable.sh): a Rust ELF built by cargo and a MinGW PE,
// each with the .dep-v0 section cargo-auditable writes.
func TestAuditableBinaries(t *testing.T) {
	wantJSON := catalogtest.ReadTestdata(t, "auditdemo.dep-v0.json")
	lock, _, err := ParseCargoLock(catalogtest.ReadTestdata(t, "project/Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"auditdemo", "auditdemo-pe.exe"} {
		t.Run(name, func(t *testing.T) {
			data := catalogtest.ReadTestdata(t, name)
			got, err := AuditJSON(data)
			if err != nil || !bytes.Equal(got, wantJSON) {
				t.Fatalf("AuditJSON = %q, %v; want the embedded JSON", got, err)
			}
			pkgs, warnings := run(t, New(), file("usr/local/bin/"+name, data))
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			// The crates compiled in are those the project's Cargo.lock
			// pins, at the same versions.
			if len(pkgs) != len(lock) {
				t.Errorf("%d packages, the Cargo.lock has %d", len(pkgs), len(lock))
			}
			for _, p := range pkgs {
				if !slices.ContainsFunc(lock, func(c Crate) bool { return c.Name == p.Name && c.Version == p.Version }) {
					t.Errorf("%s@%s is not in the Cargo.lock", p.Name, p.Version)
				}
			}
			catalogtest.Golden(t, name+".golden.json", pkgs, *update)
			byName := map[string]inventory.Package{}
			for _, p := range pkgs {
				byName[p.Name] = p
			}
			if p := byName["autocfg"]; !p.Dev || p.Ecosystem != Ecosystem {
				t.Errorf("autocfg, num-traits' build dependency: %+v", p)
			}
			if p := byName["demo-local"]; p.Dev || p.Ecosystem != "" {
				t.Errorf("demo-local, a path dependency: %+v", p)
			}
			if p := byName["itoa"]; p.Dev || p.Ecosystem != Ecosystem || p.PURL != "pkg:cargo/itoa@1.0.1" {
				t.Errorf("itoa: %+v", p)
			}
		})
	}
}

// TestFilter runs real files through a layer: of the executables in a bin
// directory only what names packages is kept, and the catalog is the same
// as from the whole files.
func TestFilter(t *testing.T) {
	rustELF := catalogtest.ReadTestdata(t, "auditdemo")
	trueELF, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	ext := catalogtest.Layer(t, New(),
		testimage.File{Name: "usr/bin/auditdemo", Body: rustELF, Mode: 0o755},
		testimage.File{Name: "usr/bin/true", Body: trueELF, Mode: 0o755},
		testimage.File{Name: "usr/bin/script", Body: []byte("#!/bin/sh\n"), Mode: 0o755},
		testimage.File{Name: "app/Cargo.lock", Body: catalogtest.ReadTestdata(t, "project/Cargo.lock")},
	)
	fsys := layerfs.Merge(ext)
	var matched []string
	for _, info := range fsys.Matched() {
		matched = append(matched, info.Path)
	}
	if want := []string{"app/Cargo.lock", "usr/bin/auditdemo"}; !slices.Equal(matched, want) {
		t.Errorf("Matched = %q, want %q", matched, want)
	}
	kept, _, err := fsys.ReadFile("usr/bin/auditdemo")
	if err != nil || len(kept) > 1024 {
		t.Errorf("kept %d bytes of the executable, %v", len(kept), err)
	}
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	// The lock file and the binary built from it list the same crates:
	// one package each, found in both.
	if len(warnings) > 0 || len(pkgs) != 6 {
		t.Errorf("%d packages, warnings %v", len(pkgs), warnings)
	}
	for _, p := range pkgs {
		if want := []string{"/app/Cargo.lock", "/usr/bin/auditdemo"}; !slices.Equal(p.Locations, want) {
			t.Errorf("%s: locations %q, want %q", p.Name, p.Locations, want)
		}
	}
	whole, _ := run(t, New(), file("usr/bin/auditdemo", rustELF))
	reduced, _ := catalogtest.Run(t, New(), layerfs.Merge(catalogtest.Layer(t, New(),
		testimage.File{Name: "usr/bin/auditdemo", Body: rustELF, Mode: 0o755})), nil)
	if diff := cmp.Diff(whole, reduced); diff != "" {
		t.Errorf("reduced and whole files differ (-whole +reduced):\n%s", diff)
	}
}

// goBinary builds a small Go program.
func goBinary(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"go.mod":  "module example.com/vigil/rusttest\n\ngo 1.21\n",
		"main.go": "package main\n\nfunc main() { println(\"hi\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", "gobin", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "gobin"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWithGoCataloger: the Go cataloger registered first, as in the
// default set; each cataloger finds its own packages in what the shared
// executable filter keeps.
func TestWithGoCataloger(t *testing.T) {
	cats := []catalog.Cataloger{golang.New(), New()}
	m, err := catalog.Matcher(cats)
	if err != nil {
		t.Fatal(err)
	}
	layer := testimage.LayerTar(
		testimage.File{Name: "usr/bin/gobin", Body: goBinary(t), Mode: 0o755},
		testimage.File{Name: "usr/bin/auditdemo", Body: catalogtest.ReadTestdata(t, "auditdemo"), Mode: 0o755},
		testimage.File{Name: "app/auditdemo.exe", Body: catalogtest.ReadTestdata(t, "auditdemo-pe.exe"), Mode: 0o755},
	)
	ext, err := layerfs.ExtractTar(context.Background(), bytes.NewReader(layer), m, layerfs.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fsys := layerfs.Merge(ext)
	goPkgs, goWarn := catalogtest.Run(t, golang.New(), fsys, nil)
	rustPkgs, rustWarn := catalogtest.Run(t, New(), fsys, nil)
	if len(goWarn)+len(rustWarn) > 0 {
		t.Errorf("warnings: %v %v", goWarn, rustWarn)
	}
	var goNames []string
	for _, p := range goPkgs {
		goNames = append(goNames, p.Locations[0]+" "+p.Name)
	}
	if want := []string{"/usr/bin/gobin example.com/vigil/rusttest", "/usr/bin/gobin stdlib"}; !slices.Equal(goNames, want) {
		t.Errorf("Go packages %q, want %q", goNames, want)
	}
	count := map[string]int{}
	for _, p := range rustPkgs {
		for _, l := range p.Locations {
			count[l]++
		}
	}
	if want := map[string]int{"/usr/bin/auditdemo": 6, "/app/auditdemo.exe": 6}; !cmp.Equal(count, want) {
		t.Errorf("Rust packages per file %v, want %v", count, want)
	}
}

// TestLayerAttribution: a crate is attributed to the layer from which the
// lock file has listed it.
func TestLayerAttribution(t *testing.T) {
	v2 := catalogtest.ReadTestdata(t, "lock/Cargo.lock.v2")
	// Layer 1 adds one crate to the lock file of layer 0.
	v2plus := append(slices.Clip(v2), []byte("\n[[package]]\nname = \"added\"\nversion = \"1.0.0\"\nsource = \""+cratesIOGit+"\"\n")...)
	fsys := layerfs.Merge(
		&layerfs.Extract{Entries: []layerfs.Entry{file("app/Cargo.lock", v2)}},
		&layerfs.Extract{Entries: []layerfs.Entry{file("app/Cargo.lock", v2plus)}},
	)
	pkgs, _ := catalogtest.Run(t, New(), fsys, nil)
	for _, p := range pkgs {
		want := 0
		if p.Name == "added" {
			want = 1
		}
		if p.Layer != want {
			t.Errorf("%s: layer %d, want %d", p.Name, p.Layer, want)
		}
	}
	if len(pkgs) != 26 {
		t.Errorf("%d packages, want 26", len(pkgs))
	}
}

// TestOrdinaryExecutables reads every executable of this machine's
// /usr/bin: none has audit data, none is malformed.
func TestOrdinaryExecutables(t *testing.T) {
	n := 0
	for name, data := range usrBin(t) {
		n++
		if out, err := AuditJSON(data); out != nil || !errors.Is(err, ErrNoAuditData) {
			t.Errorf("%s: %q, %v", name, out, err)
		}
	}
	if n < 100 {
		t.Errorf("only %d executables in /usr/bin", n)
	}
}

// usrBin returns the executables of /usr/bin under 64 MiB.
func usrBin(t testing.TB) map[string][]byte {
	entries, err := os.ReadDir("/usr/bin")
	if err != nil {
		t.Fatal(err)
	}
	bins := map[string][]byte{}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Size() > 64<<20 {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/usr/bin", e.Name()))
		if err == nil && executable.Magic(data) {
			bins[e.Name()] = data
		}
	}
	return bins
}

// BenchmarkAuditJSON measures the cost of looking for audit data in the
// executables of /usr/bin, per file.
func BenchmarkAuditJSON(b *testing.B) {
	bins := usrBin(b)
	b.ResetTimer()
	for b.Loop() {
		for _, data := range bins {
			_, _ = AuditJSON(data)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bins)), "ns/file")
}

func TestPatterns(t *testing.T) {
	c := New()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Cargo.lock", "src/app/Cargo.lock", "usr/bin/rg", "app/server", "opt/x/bin/y", "server"} {
		if !m.Match(p) {
			t.Errorf("%s is not matched", p)
		}
	}
	for _, p := range []string{"usr/lib/x86_64-linux-gnu/libc.so.6", "src/app/Cargo.toml", "usr/share/doc/x"} {
		if m.Match(p) {
			t.Errorf("%s is matched", p)
		}
	}
}
