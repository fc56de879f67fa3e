package match

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/vuln"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// findingsOf returns the findings of the named package.
func findingsOf(r *vuln.Report, name string) []vuln.Finding {
	var out []vuln.Finding
	for _, f := range r.Findings {
		if f.Package.Name == name {
			out = append(out, f)
		}
	}
	return out
}

func findingByID(t *testing.T, r *vuln.Report, pkg, id string) vuln.Finding {
	t.Helper()
	for _, f := range findingsOf(r, pkg) {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s for %s", id, pkg)
	return vuln.Finding{}
}

// TestDebianSourcePackage: bsdutils (binary version 1:2.36.1-8, an epoch
// its source lacks) is matched as the source util-linux at 2.36.1-8, and
// so has exactly the findings of libblkid1 from the same source; the
// record (util-linux fixed in 2.37.3-1) decides by the source version.
func TestDebianSourcePackage(t *testing.T) {
	r := match(t, bookwormInventory(t), openTestDB(t), Options{})
	ids := func(name string) []string {
		var out []string
		for _, f := range findingsOf(r, name) {
			out = append(out, f.ID)
		}
		slices.Sort(out)
		return out
	}
	if b, l := ids("bsdutils"), ids("libblkid1"); len(b) == 0 || !slices.Equal(b, l) {
		t.Fatalf("bsdutils %v and libblkid1 %v, from the same source at the same version, differ", b, l)
	}
	f := findingByID(t, r, "bsdutils", "DEBIAN-OVAL-CVE-2021-3995-util-linux")
	want := vuln.Match{Ecosystem: "Debian:12", Name: "util-linux", Range: "ECOSYSTEM: introduced 0, fixed 2.37.3-1", Event: "introduced 0", DataSource: "Debian OVAL (derived)"}
	if !equalMatch(f.Match, want) {
		t.Errorf("match = %+v, want %+v", f.Match, want)
	}
	if !slices.Equal(f.Aliases, []string{"CVE-2021-3995"}) || !slices.Equal(f.FixedVersions, []string{"2.37.3-1"}) {
		t.Errorf("aliases %v, fixed %v", f.Aliases, f.FixedVersions)
	}
	if f.Remediation.Action != "apt-get install --only-upgrade bsdutils" {
		t.Errorf("action = %q", f.Remediation.Action)
	}
	if !strings.HasPrefix(f.Summary, "A logic error was found in the libmount library") || f.Severity.Source == "" {
		t.Errorf("summary %q, severity %+v", f.Summary, f.Severity)
	}
	// The current bookworm version of the same source is past that fix.
	for _, f := range findingsOf(r, "libc6") {
		if f.Fixed() {
			t.Errorf("libc6 %s (bookworm's current glibc) has a fixed finding %s: %v", f.Package.Version, f.ID, f.FixedVersions)
		}
	}
}

func equalMatch(a, b vuln.Match) bool {
	return a.Ecosystem == b.Ecosystem && a.Name == b.Name && a.Range == b.Range && a.Event == b.Event && a.DataSource == b.DataSource
}

// TestUnscannable: packages that cannot be matched are reported with the
// reason, never silently unaffected.
func TestUnscannable(t *testing.T) {
	inv := langInventory(t)
	inv.Packages = append(inv.Packages,
		inventory.Package{Name: "golang.org/x/net", Version: "(devel)", Type: inventory.TypeGolang, Ecosystem: "Go", Layer: -1},
		inventory.Package{Name: "lodash", Version: "not.a.version!", Type: inventory.TypeNPM, Ecosystem: "npm", Layer: -1},
		inventory.Package{Name: "thing", Version: "1.0", Type: "binary", Layer: -1},
	)
	r := match(t, inv, openTestDB(t), Options{})
	reasons := map[string]string{}
	for _, u := range r.Unscannable {
		reasons[u.Package.Name+"@"+u.Package.Version] = u.Reason
	}
	for pkg, want := range map[string]string{
		"example.com/vigil-fixtures/goapp@": "version unknown",           // the (devel) main module
		"golang.org/x/net@(devel)":          "version unknown ((devel))", // as another tool writes it
		"lodash@not.a.version!":             "invalid version",           // npm's order rejects it
		"acme/logger@v1.4.2":                `ecosystem "Packagist"`,     // no Packagist records
		"thing@1.0":                         `no advisory ecosystem known for package type "binary"`,
	} {
		if got, ok := reasons[pkg]; !ok || !strings.Contains(got, want) {
			t.Errorf("%s: reason %q (listed: %v), want one containing %q", pkg, got, ok, want)
		}
	}
	for _, f := range r.Findings {
		if f.Package.Version == "" || f.Package.Version == "(devel)" {
			t.Errorf("finding for a package of unknown version: %+v", f.Package)
		}
	}
}

// TestSBOMNames: packages read from another tool's SBOM carry no
// ecosystem and Syft's names (a Maven artifactId alone, the group in the
// package URL); they must give the same findings.
func TestSBOMNames(t *testing.T) {
	db := openTestDB(t)
	want := findingSet(match(t, packagesInventory(t, "maven.packages.json"), db, Options{}).Findings)
	inv := packagesInventory(t, "maven.packages.json")
	for i := range inv.Packages {
		p := &inv.Packages[i]
		p.Ecosystem = ""
		_, p.Name, _ = strings.Cut(p.Name, ":")
	}
	r := match(t, inv, db, Options{})
	got := map[string]bool{}
	for _, f := range r.Findings {
		group, _, _ := strings.Cut(strings.TrimPrefix(f.Package.PURL, "pkg:maven/"), "/")
		for _, id := range append([]string{f.ID}, f.Match.Merged...) {
			got[group+":"+f.Package.Name+"\t"+f.Package.Version+"\t"+id] = true
		}
	}
	if len(want) == 0 || !mapsEqual(got, want) {
		t.Errorf("SBOM-named Maven packages: %d findings, want the %d of the catalogued ones", len(got), len(want))
	}

	deb := bookwormInventory(t)
	deb.OS = nil
	for i := range deb.Packages {
		deb.Packages[i].Ecosystem = ""
		deb.Packages[i].PURL = "pkg:deb/debian/" + deb.Packages[i].Name + "@" + deb.Packages[i].Version + "?distro=debian-12"
	}
	if got, want := findingSet(match(t, deb, db, Options{}).Findings), readTSV(t, "testdata/expected/Debian.tsv"); !mapsEqual(got, want) {
		t.Errorf("deb packages with only a purl distro: %d findings, want %d", len(got), len(want))
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// TestFixedVersionChoice: GO-2022-0289 affects stdlib before 1.16.12 and
// from 1.17.0 before 1.17.5. The fix offered is the smallest fixed version
// above the installed one, in SemVer order.
func TestFixedVersionChoice(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		version string
		fixed   []string
		action  string
	}{
		{"v1.16.3", []string{"1.16.12", "1.17.5"}, "rebuild with Go 1.16.12 or later"},
		{"go1.17.2", []string{"1.17.5"}, "rebuild with Go 1.17.5 or later"},
	} {
		inv := &inventory.Inventory{Packages: []inventory.Package{{Name: "stdlib", Version: c.version, Type: inventory.TypeGolang, Layer: -1}}}
		f := findingByID(t, match(t, inv, db, Options{}), "stdlib", "GO-2022-0289")
		if !slices.Equal(f.FixedVersions, c.fixed) || f.Remediation.Action != c.action {
			t.Errorf("stdlib %s: fixed %v, action %q; want %v, %q", c.version, f.FixedVersions, f.Remediation.Action, c.fixed, c.action)
		}
	}
	inv := langInventory(t)
	f := findingByID(t, match(t, inv, db, Options{}), "golang.org/x/net", "GO-2024-2687")
	if f.Remediation.Action != "go get golang.org/x/net@v"+f.FixedVersions[0] {
		t.Errorf("x/net action %q, fixed %v", f.Remediation.Action, f.FixedVersions)
	}
}

// TestActions: one concrete action per package type.
func TestActions(t *testing.T) {
	for _, c := range []struct {
		p    inventory.Package
		os   *inventory.OS
		want string
	}{
		{inventory.Package{Name: "libssl3", Type: "deb"}, nil, "apt-get install --only-upgrade libssl3"},
		{inventory.Package{Name: "libcrypto3", Type: "apk"}, nil, "apk add --upgrade libcrypto3"},
		{inventory.Package{Name: "bash", Type: "rpm"}, &inventory.OS{ID: "centos", VersionID: "7"}, "yum update bash"},
		{inventory.Package{Name: "bash", Type: "rpm"}, &inventory.OS{ID: "rocky", VersionID: "9.3"}, "dnf upgrade bash"},
		{inventory.Package{Name: "golang.org/x/net", Type: "golang"}, nil, "go get golang.org/x/net@v1.2.3"},
		{inventory.Package{Name: "lodash", Type: "npm"}, nil, "npm install lodash@1.2.3"},
		{inventory.Package{Name: "requests", Type: "pypi"}, nil, "pip install 'requests>=1.2.3'"},
		{inventory.Package{Name: "g:a", Type: "maven"}, nil, "set g:a to 1.2.3 in pom.xml or build.gradle"},
		{inventory.Package{Name: "rack", Type: "gem"}, nil, "set gem 'rack', '>= 1.2.3' in the Gemfile and run bundle update rack"},
		{inventory.Package{Name: "v/p", Type: "composer"}, nil, "composer update v/p --with 'v/p:>=1.2.3'"},
		{inventory.Package{Name: "smallvec", Type: "cargo"}, nil, "cargo update -p smallvec --precise 1.2.3"},
		{inventory.Package{Name: "Newtonsoft.Json", Type: "nuget"}, nil, "dotnet add package Newtonsoft.Json --version 1.2.3"},
	} {
		if got := action(&c.p, target{name: c.p.Name}, "1.2.3", c.os); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.p.Type, c.p.Name, got, c.want)
		}
	}
}

// TestMergeAliases: a GHSA record that is an alias of a real GO- record
// (same CVE) for the same module gives one finding, with the GO- id, the
// GHSA id in Aliases and Match.Merged; a distinct record stays distinct.
func TestMergeAliases(t *testing.T) {
	src := openTestDB(t)
	gov, err := src.Get("GO-2024-2687")
	if err != nil || gov == nil {
		t.Fatal("GO-2024-2687 missing from testdata", err)
	}
	other, err := src.Get("GO-2024-3333")
	if err != nil || other == nil {
		t.Fatal("GO-2024-3333 missing from testdata", err)
	}
	ghsa := *gov
	ghsa.ID = "GHSA-4v7x-pqxf-cx7m"
	ghsa.Aliases = []string{"CVE-2023-45288", gov.ID}
	db := buildDB(t, gov, other, &ghsa)
	inv := &inventory.Inventory{Packages: []inventory.Package{{Name: "golang.org/x/net", Version: "v0.17.0", Type: "golang", Ecosystem: "Go", Layer: -1}}}
	r := match(t, inv, db, Options{})
	if len(r.Findings) != 2 {
		t.Fatalf("%d findings, want 2 (one merged, one distinct): %v", len(r.Findings), ids(r.Findings))
	}
	f := findingByID(t, r, "golang.org/x/net", gov.ID)
	if !slices.Equal(f.Match.Merged, []string{ghsa.ID}) || !slices.Contains(f.Aliases, ghsa.ID) || !strings.HasPrefix(f.Aliases[0], "CVE-") {
		t.Errorf("merged %v, aliases %v", f.Match.Merged, f.Aliases)
	}
}

func ids(fs []vuln.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

// TestHostileRecords: contradictory ranges, enormous records and
// versions the comparer rejects neither panic nor take long; they give
// warnings, and the bad record does not hide the good one.
func TestHostileRecords(t *testing.T) {
	huge := osv.Vulnerability{ID: "HUGE-1"}
	for i := range 2000 {
		huge.Affected = append(huge.Affected, osv.Affected{
			Package: osv.Package{Ecosystem: "npm", Name: "lodash"},
			Ranges:  []osv.Range{{Type: osv.RangeSemver, Events: hugeEvents(i)}},
		})
	}
	recs := []*osv.Vulnerability{
		{ID: "BACKWARDS-1", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "lodash"},
			Ranges: []osv.Range{{Type: osv.RangeSemver, Events: []osv.Event{{Introduced: "5.0.0"}, {Fixed: "1.0.0"}}}}}}},
		{ID: "BADVERSION-1", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "lodash"},
			Ranges: []osv.Range{{Type: osv.RangeSemver, Events: []osv.Event{{Introduced: "0"}, {Fixed: "not a version"}}}}}}},
		{ID: "GOOD-1", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "lodash"},
			Ranges: []osv.Range{{Type: osv.RangeSemver, Events: []osv.Event{{Introduced: "0"}, {Fixed: "4.17.21"}}}}}}},
		&huge,
	}
	db := buildDB(t, recs...)
	inv := &inventory.Inventory{Packages: []inventory.Package{{Name: "lodash", Version: "4.17.20", Type: "npm", Ecosystem: "npm", Layer: -1}}}
	start := time.Now()
	r := match(t, inv, db, Options{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("matching took %v", d)
	}
	if got := ids(r.Findings); !slices.Equal(got, []string{"GOOD-1", "HUGE-1"}) {
		t.Errorf("findings %v", got)
	}
	if len(r.Warnings) == 0 || !strings.Contains(fmt.Sprint(r.Warnings), "BADVERSION-1") {
		t.Errorf("no warning for the record with an invalid version: %v", r.Warnings)
	}
	for _, f := range r.Findings {
		if len(f.Match.Range) > 2000 {
			t.Errorf("%s: range text of %d bytes", f.ID, len(f.Match.Range))
		}
	}
}

// hugeEvents are 200 introduced/fixed pairs; only entry 1999's last pair
// includes 4.17.20.
func hugeEvents(i int) []osv.Event {
	var ev []osv.Event
	for j := range 100 {
		ev = append(ev, osv.Event{Introduced: fmt.Sprintf("%d.%d.0", 100+i, j)}, osv.Event{Fixed: fmt.Sprintf("%d.%d.1", 100+i, j)})
	}
	if i == 1999 {
		ev = append(ev, osv.Event{Introduced: "4.0.0"}, osv.Event{Fixed: "4.17.21"})
	}
	return ev
}

// TestSorted: findings come most severe first, then by package and id,
// with no suppression set.
func TestSorted(t *testing.T) {
	r := match(t, bookwormInventory(t), openTestDB(t), Options{})
	if !slices.IsSortedFunc(r.Findings, func(a, b vuln.Finding) int {
		if c := b.Severity.Level.Compare(a.Severity.Level); c != 0 {
			return c
		}
		return strings.Compare(a.Package.Name+"\x00"+a.ID, b.Package.Name+"\x00"+b.ID)
	}) {
		t.Error("findings not sorted")
	}
	levels := map[severity.Level]int{}
	for _, f := range r.Findings {
		levels[f.Severity.Level]++
		if f.Suppression != nil {
			t.Errorf("%s: suppression set", f.ID)
		}
	}
	t.Logf("bookworm: %d findings, by severity %v", len(r.Findings), levels)
}

// TestCancel: a cancelled context stops matching.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Match(ctx, bookwormInventory(t), openTestDB(t), Options{}); err == nil {
		t.Error("no error from a cancelled match")
	}
}
