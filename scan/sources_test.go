package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/package-url/packageurl-go"

	"github.com/vigil-dev/vigil/image"
	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layercache"
	"github.com/vigil-dev/vigil/scan"
)

// bookwormSources are the same real Debian bookworm image (debootstrap
// minbase, docker import) read through every kind of source.
func bookwormSources(t *testing.T) map[string]string {
	return map[string]string{
		"docker-archive": "docker-archive:" + testenv.Get(t, "VIGIL_TEST_ARCHIVE"),
		"oci":            "oci:" + testenv.Get(t, "VIGIL_TEST_OCI"),
		"oci-archive":    "oci-archive:" + testenv.Get(t, "VIGIL_TEST_OCI_ARCHIVE"),
		"registry":       "registry:" + testenv.Get(t, "VIGIL_TEST_REGISTRY_REF"),
		"docker":         "docker:" + testenv.Get(t, "VIGIL_TEST_DOCKER_REF"),
		"dir":            "dir:" + testenv.Get(t, "VIGIL_TEST_ROOTFS"),
	}
}

// dpkgQuery is the expected inventory: dpkg-query's own listing of the
// root file system's database, "Package Version Architecture" per line.
func dpkgQuery(t *testing.T) []string {
	b, err := os.ReadFile(testenv.Get(t, "VIGIL_TEST_DPKG"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 50 {
		t.Fatalf("%d packages in dpkg-query output: the fixture is broken", len(lines))
	}
	slices.Sort(lines)
	return lines
}

func TestBookwormEverySource(t *testing.T) {
	want := dpkgQuery(t)
	ctx := context.Background()
	results := map[string]*inventory.Inventory{}
	for kind, src := range bookwormSources(t) {
		t.Run(kind, func(t *testing.T) {
			inv, err := scan.Inventory(ctx, src, scan.Options{Image: image.Options{Insecure: true}})
			if err != nil {
				t.Fatal(err)
			}
			results[kind] = inv
			var got []string
			for _, p := range inv.Packages {
				if p.Type != inventory.TypeDeb {
					t.Errorf("unexpected package type %q: %s", p.Type, p.PURL)
					continue
				}
				got = append(got, p.Name+" "+p.Version+" "+p.Arch)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dpkg inventory differs from dpkg-query (-want +got):\n%s", diff)
			}
			if inv.OS == nil || inv.OS.ID != "debian" || inv.OS.VersionID != "12" || inv.OS.Codename != "bookworm" {
				t.Errorf("OS = %+v, want debian 12 bookworm", inv.OS)
			}
			if len(inv.Warnings) > 0 {
				t.Errorf("warnings on a clean image: %v", inv.Warnings)
			}
			if kind != "dir" {
				if len(inv.Layers) != 1 || !strings.HasPrefix(inv.Layers[0].DiffID, "sha256:") {
					t.Errorf("layers = %+v, want one layer with a diffID", inv.Layers)
				}
				if inv.Source.ConfigDigest == "" {
					t.Error("no image config digest")
				}
			}
			var withSource, withFiles, withLicense int
			for _, p := range inv.Packages {
				u, err := packageurl.FromString(p.PURL)
				if err != nil || u.Type != "deb" || u.Namespace != "debian" || u.Name != p.Name || u.Version != p.Version || u.Qualifiers.Map()["distro"] != "debian-12" || u.Qualifiers.Map()["arch"] != p.Arch {
					t.Errorf("bad purl %q for %s %s (%v)", p.PURL, p.Name, p.Version, err)
				}
				if p.Ecosystem != "Debian:12" || p.Layer != 0 {
					t.Errorf("%s: ecosystem %q layer %d", p.Name, p.Ecosystem, p.Layer)
				}
				if p.SourceName != p.Name {
					withSource++
				}
				if len(p.Files) > 0 {
					withFiles++
				}
				if len(p.Licenses) > 0 {
					withLicense++
				}
			}
			// libc6 comes from glibc, and so on: a real image has many.
			if withSource < 20 || withFiles < len(inv.Packages)-5 || withLicense < len(inv.Packages)/2 {
				t.Errorf("of %d packages: %d with another source package, %d with files, %d with licenses", len(inv.Packages), withSource, withFiles, withLicense)
			}
		})
	}
	// The same image through each source gives the identical package list.
	ref := results["docker-archive"]
	if ref == nil {
		return
	}
	for kind, inv := range results {
		if diff := cmp.Diff(ref.Packages, inv.Packages); diff != "" {
			t.Errorf("%s packages differ from docker-archive's (-docker-archive +%s):\n%s", kind, kind, diff)
		}
		if diff := cmp.Diff(ref.OS, inv.OS); diff != "" {
			t.Errorf("%s OS differs: %s", kind, diff)
		}
	}
}

// countingProgress records which layers were read.
type countingProgress struct {
	mu     sync.Mutex
	cached []bool
	read   int64
}

func (p *countingProgress) Start(_ inventory.Source, _ []inventory.Layer, cached []bool) {
	p.cached = cached
}
func (p *countingProgress) Read(_ int, n int) { p.mu.Lock(); p.read += int64(n); p.mu.Unlock() }
func (p *countingProgress) Done(int)          {}
func (p *countingProgress) Finish()           {}

func TestCacheWarmAndCorrupt(t *testing.T) {
	src := "docker-archive:" + testenv.Get(t, "VIGIL_TEST_ARCHIVE")
	dir := t.TempDir()
	c, err := layercache.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	run := func() (*inventory.Inventory, *countingProgress) {
		t.Helper()
		p := &countingProgress{}
		inv, err := scan.Inventory(context.Background(), src, scan.Options{Cache: c, Progress: p})
		if err != nil {
			t.Fatal(err)
		}
		return inv, p
	}
	cold, p := run()
	if p.cached[0] || p.read == 0 {
		t.Fatalf("cold scan: cached=%v read=%d", p.cached, p.read)
	}
	warm, p := run()
	if !p.cached[0] || p.read != 0 {
		t.Errorf("warm scan read %d bytes; cached=%v", p.read, p.cached)
	}
	if diff := cmp.Diff(cold, warm); diff != "" {
		t.Errorf("warm inventory differs (-cold +warm):\n%s", diff)
	}
	// Corrupt every entry: the next scan detects it, reads the layer
	// again, and gives the same answer.
	entries, _ := filepath.Glob(filepath.Join(dir, "layers", "*", "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	b, _ := os.ReadFile(entries[0])
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(entries[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	again, p := run()
	if p.cached[0] || p.read == 0 {
		t.Errorf("corrupt entry was used: cached=%v read=%d", p.cached, p.read)
	}
	if diff := cmp.Diff(cold, again); diff != "" {
		t.Errorf("inventory after rebuild differs (-cold +again):\n%s", diff)
	}
	if _, p = run(); !p.cached[0] {
		t.Error("rebuilt entry not used")
	}
}
