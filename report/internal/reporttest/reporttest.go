// Package reporttest builds a realistic vulnerability report from real data
// for the tests of the report formats (and of anything else that consumes a
// vuln.Report), and holds the golden-file and schema-validation helpers
// those tests share.
//
// The report is made the way a scan makes it: real packages, as vigil's
// catalogers read them from their own testdata (catalog/*/testdata), are
// evaluated against every real OSV record of their ecosystem in the small
// OSV mirror committed under vulndb/testdata/mirror, with each ecosystem's
// own version comparison (package version) and the range evaluation of
// package osv, and rated with severity.Rate. Nothing about a finding is
// invented except the image it sits in (layers, digests, configuration)
// and the remediation commands, which follow the forms issue 4 gives.
//
// Check findings are made the same way: ImageReport adds what
// check/imageconfig finds in the image's configuration, and ConfigReport
// is what check/dockerfile and check/kubernetes find in their own
// testdata.
package reporttest

import (
	"archive/zip"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-dev/vigil/catalog/dpkg"
	"github.com/vigil-dev/vigil/catalog/purl"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/severity"
	"github.com/vigil-dev/vigil/version"
	"github.com/vigil-dev/vigil/vuln"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Now is the clock of every golden file.
func Now() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }

// ImageName is the name of the image the report describes.
const ImageName = "ghcr.io/vigil-dev/example-app:1.0"

// Digests of the image the report describes.
const (
	ManifestDigest = "sha256:0d7f0c6f7f3e8f4b5a6e0b9c2f1d4a8e3b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e"
	ConfigDigest   = "sha256:3e5c2f8a1b4d7e0f9a6c3b2d1e0f4a7b8c5d2e9f6a3b0c7d4e1f8a5b2c9d6e3f"
)

// OldZlib is the version the base layer's zlib1g is set to: Debian
// bullseye's first zlib (1:1.2.11.dfsg-2), older than every bookworm
// release, so that the base layer has findings, as the accuracy test of
// issue 4 does ("a bookworm image whose dpkg status carries older
// versions"). The other dpkg packages keep the versions of the real status
// file, which no record in the mirror affects.
const OldZlib = "1:1.2.11.dfsg-2"

// RepoRoot returns the root of the vigil module.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("reporttest: no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Report returns a fresh report of a four-layer image: a Debian bookworm
// base layer (the real dpkg status of catalog/dpkg/testdata, zlib1g at
// OldZlib), two application layers holding Go, Rust, Python and Java
// dependencies read from the catalogers' golden files, and a layer that
// downloads a tool (no package). Findings are every
// match of those packages in the mirror, sorted as vuln.Report says; one
// package is unscannable.
func Report(t testing.TB) *vuln.Report {
	t.Helper()
	r := &vuln.Report{
		SchemaVersion: vuln.SchemaVersion,
		Tool:          inventory.Tool{Name: "vigil", Version: "0.5.0"},
		Source: inventory.Source{
			Type:           "registry",
			Ref:            ImageName,
			Name:           ImageName,
			ManifestDigest: ManifestDigest,
			ConfigDigest:   ConfigDigest,
			Platform:       "linux/amd64",
		},
		OS:         bookworm(),
		Layers:     layers(),
		BaseLayers: 1,
		Database: vuln.Database{
			Built:   time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC),
			Sources: []string{"vulndb/testdata/mirror"},
		},
		Findings: []vuln.Finding{},
	}
	pkgs := append(debPackages(t, r.OS), appPackages(t)...)
	records := loadRecords(t)
	for _, p := range pkgs {
		r.Findings = append(r.Findings, match(t, r, p, records)...)
	}
	if len(r.Findings) == 0 {
		t.Fatal("reporttest: no findings: the mirror or the catalog testdata changed")
	}
	SortFindings(r.Findings)
	r.Unscannable = []vuln.Unscannable{{
		Package: vuln.Package{
			Name: "github.com/vigil-dev/example-app", Version: "(devel)", Type: inventory.TypeGolang,
			Ecosystem: "Go", PURL: "pkg:golang/github.com/vigil-dev/example-app@%28devel%29",
			Layer: 1, Locations: []string{"/usr/local/bin/example-app"},
		},
		Reason: "version unknown ((devel))",
	}}
	return r
}

// SortFindings sorts findings as vuln.Report documents: most severe first,
// then by package, then by advisory id.
func SortFindings(fs []vuln.Finding) {
	slices.SortStableFunc(fs, func(a, b vuln.Finding) int {
		return cmp.Or(
			b.Severity.Level.Compare(a.Severity.Level),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.ID, b.ID),
		)
	})
}

func bookworm() *inventory.OS {
	return &inventory.OS{
		ID: "debian", Name: "Debian GNU/Linux", PrettyName: "Debian GNU/Linux 12 (bookworm)",
		VersionID: "12", Version: "12 (bookworm)", Codename: "bookworm",
	}
}

func layers() []inventory.Layer {
	return []inventory.Layer{
		{
			Index: 0, DiffID: "sha256:ace34d1d784c01d5b4ba8b7e2b8d1a9ba2fc6fbb2ab8ab4e6e9a2ac4b4b9ccd8",
			Digest:    "sha256:61320b01ae5e0798393ef25f2dc72faf43703e60ba089b07d7170acbabbf8f62",
			MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 28230432,
			CreatedBy: "# debian.sh --arch 'amd64' out/ 'bookworm' '@1747008000'",
		},
		{
			Index: 1, DiffID: "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
			Digest:    "sha256:9c4f0b2e1c5d8a7f6e3b2a1d0c9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7",
			MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 4182016,
			CreatedBy: "COPY . /src # buildkit",
		},
		{
			Index: 2, DiffID: "sha256:b7c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1",
			Digest:    "sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
			MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 1048576,
			CreatedBy: "RUN /bin/sh -c cd /srv/pipenv && pipenv install --deploy # buildkit",
		},
		{
			Index: 3, DiffID: "sha256:c4e2a1f0b9d8c7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2",
			Digest:    "sha256:2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80912",
			MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 524288,
			CreatedBy: "ADD https://example.com/tool.tgz /opt/ # buildkit",
		},
	}
}

// debPackages reads the real dpkg status file of the dpkg cataloger's
// testdata, with zlib1g set to OldZlib.
func debPackages(t testing.TB, o *inventory.OS) []vuln.Package {
	data, err := os.ReadFile(filepath.Join(RepoRoot(), "catalog", "dpkg", "testdata", "status"))
	if err != nil {
		t.Fatal(err)
	}
	entries, problems := dpkg.ParseStatus(data)
	if len(problems) > 0 {
		t.Fatalf("dpkg status: %v", problems)
	}
	var out []vuln.Package
	for _, e := range entries {
		if e.Package == "zlib1g" {
			e.Version, e.SourceVersion = OldZlib, OldZlib
		}
		srcVersion := cmp.Or(e.SourceVersion, e.Version)
		out = append(out, vuln.Package{
			Name: e.Package, Version: e.Version, Type: inventory.TypeDeb, Ecosystem: "Debian:12",
			SourceName: e.SourceName, SourceVersion: srcVersion,
			PURL: purl.OSPackage{
				Type: "deb", Namespace: "debian", Name: e.Package, Version: e.Version, Arch: e.Architecture,
				Upstream: purl.Upstream(e.Package, e.Version, e.SourceName, srcVersion),
				Distro:   purl.Distro(o),
			}.String(),
			Layer: 0, Locations: []string{"/var/lib/dpkg/status"},
		})
	}
	return out
}

// appPackages are language packages from the catalogers' golden files,
// placed in the application layers.
func appPackages(t testing.TB) []vuln.Package {
	picks := []struct {
		golden, name string
		layer        int
	}{
		{"catalog/golang/testdata/vigil.go.mod.golden.json", "golang.org/x/text", 1},
		{"catalog/rust/testdata/lock-Cargo.lock.v1.golden.json", "smallvec", 1},
		{"catalog/java/testdata/gradle.golden.json", "com.fasterxml.jackson.core:jackson-databind", 1},
		{"catalog/python/testdata/pipfile.golden.json", "py", 2},
	}
	var out []vuln.Package
	for _, pick := range picks {
		data, err := os.ReadFile(filepath.Join(RepoRoot(), filepath.FromSlash(pick.golden)))
		if err != nil {
			t.Fatal(err)
		}
		var pkgs []inventory.Package
		if err := json.Unmarshal(data, &pkgs); err != nil {
			t.Fatalf("%s: %v", pick.golden, err)
		}
		i := slices.IndexFunc(pkgs, func(p inventory.Package) bool { return p.Name == pick.name })
		if i < 0 {
			t.Fatalf("%s: no package %s", pick.golden, pick.name)
		}
		p := pkgs[i]
		out = append(out, vuln.Package{
			Name: p.Name, Version: p.Version, Type: p.Type, Ecosystem: p.Ecosystem, PURL: p.PURL,
			SourceName: p.SourceName, SourceVersion: p.SourceVersion,
			Layer: pick.layer, Locations: p.Locations, Dev: p.Dev,
		})
	}
	return out
}

// record is one OSV record and the mirror file it came from.
type record struct {
	v      *osv.Vulnerability
	source string
}

// loadRecords reads every record of the mirror, keyed by ecosystem.
func loadRecords(t testing.TB) map[string][]record {
	zips, err := filepath.Glob(filepath.Join(RepoRoot(), "vulndb", "testdata", "mirror", "*", "all.zip"))
	if err != nil || len(zips) == 0 {
		t.Fatalf("no OSV mirror: %v", err)
	}
	out := map[string][]record{}
	for _, z := range zips {
		eco := filepath.Base(filepath.Dir(z))
		zr, err := zip.OpenReader(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			v, err := readRecord(f)
			if err != nil {
				t.Fatalf("%s: %s: %v", z, f.Name, err)
			}
			out[eco] = append(out[eco], record{v, "vulndb/testdata/mirror/" + eco + "/all.zip"})
		}
		zr.Close()
	}
	return out
}

func readRecord(f *zip.File) (*osv.Vulnerability, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return osv.Decode(data)
}

// match returns the findings of p: one per record with an affected entry
// of p's ecosystem and name (the source package for Debian) whose ranges
// include p's version.
func match(t testing.TB, r *vuln.Report, p vuln.Package, records map[string][]record) []vuln.Finding {
	base, _, _ := strings.Cut(p.Ecosystem, ":")
	name := p.Name
	if p.Type == inventory.TypeDeb && p.SourceName != "" {
		name = p.SourceName
	}
	var out []vuln.Finding
	for _, rec := range records[base] {
		if rec.v.Withdrawn != nil {
			continue
		}
		for i := range rec.v.Affected {
			a := &rec.v.Affected[i]
			if a.Package.Ecosystem != p.Ecosystem || a.Package.Name != name {
				continue
			}
			c, ok := version.For(a.Package.Ecosystem)
			if !ok {
				t.Fatalf("no comparer for %s", a.Package.Ecosystem)
			}
			v := p.Version
			if p.Type == inventory.TypeDeb {
				v = p.SourceVersion
			}
			res, hit, err := a.Evaluate(goVersion(p, v, false), c.Compare)
			if err != nil {
				t.Fatalf("%s %s: %v", rec.v.ID, p.Name, err)
			}
			if hit {
				out = append(out, finding(r, p, rec, a, res))
			}
		}
	}
	return out
}

// goVersion converts between Go module versions ("v0.14.0") and the bare
// SemVer of OSV Go records ("0.14.0"); other versions are unchanged.
func goVersion(p vuln.Package, v string, toModule bool) string {
	if p.Type != inventory.TypeGolang {
		return v
	}
	if toModule {
		return "v" + strings.TrimPrefix(v, "v")
	}
	return strings.TrimPrefix(v, "v")
}

func finding(r *vuln.Report, p vuln.Package, rec record, a *osv.Affected, res osv.Result) vuln.Finding {
	f := vuln.Finding{
		ID:       rec.v.ID,
		Aliases:  aliases(rec.v),
		Summary:  summary(rec.v),
		Package:  p,
		Severity: severity.Rate(rec.v, a),
		Match: vuln.Match{
			Ecosystem:  a.Package.Ecosystem,
			Name:       a.Package.Name,
			Range:      rangeText(a, res),
			Event:      eventText(res),
			DataSource: rec.source,
		},
	}
	if res.Fixed != "" {
		f.FixedVersions = []string{goVersion(p, res.Fixed, true)}
	}
	for _, ref := range rec.v.References {
		f.References = append(f.References, ref.URL)
	}
	f.Remediation = vuln.Remediation{
		Action:   action(p, f.FixedVersions),
		FromBase: p.Layer < r.BaseLayers,
	}
	if p.Layer >= 0 && p.Layer < len(r.Layers) {
		f.Remediation.CreatedBy = r.Layers[p.Layer].CreatedBy
	}
	return f
}

// aliases lists a record's aliases and upstream ids, CVE ids first.
func aliases(v *osv.Vulnerability) []string {
	ids := slices.Concat(v.Aliases, v.Upstream)
	slices.SortStableFunc(ids, func(a, b string) int {
		return cmp.Or(
			-cmp.Compare(boolInt(strings.HasPrefix(a, "CVE-")), boolInt(strings.HasPrefix(b, "CVE-"))),
			cmp.Compare(a, b),
		)
	})
	return slices.Compact(ids)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// summary is the record's summary, or the first line of its details.
func summary(v *osv.Vulnerability) string {
	if v.Summary != "" {
		return v.Summary
	}
	first, _, _ := strings.Cut(strings.TrimSpace(v.Details), "\n")
	return first
}

func rangeText(a *osv.Affected, res osv.Result) string {
	if res.Range < 0 {
		return "listed version"
	}
	var parts []string
	for _, e := range a.Ranges[res.Range].Events {
		switch {
		case e.Introduced != "":
			parts = append(parts, "introduced "+e.Introduced)
		case e.Fixed != "":
			parts = append(parts, "fixed "+e.Fixed)
		case e.LastAffected != "":
			parts = append(parts, "last_affected "+e.LastAffected)
		case e.Limit != "":
			parts = append(parts, "limit "+e.Limit)
		}
	}
	return strings.Join(parts, ", ")
}

func eventText(res osv.Result) string {
	if res.Range < 0 {
		return "listed " + res.Version
	}
	if res.LastAffected != "" {
		return "last_affected " + res.LastAffected
	}
	return "introduced " + res.Introduced
}

// action is the command that installs the first fixed version.
func action(p vuln.Package, fixed []string) string {
	if len(fixed) == 0 {
		return ""
	}
	switch p.Type {
	case inventory.TypeDeb:
		return "apt-get install --only-upgrade " + p.Name
	case inventory.TypeGolang:
		return "go get " + p.Name + "@" + fixed[0]
	case inventory.TypeCargo:
		return "cargo update -p " + p.Name + " --precise " + fixed[0]
	case inventory.TypePyPI:
		return "pip install " + p.Name + "==" + fixed[0]
	}
	return fmt.Sprintf("upgrade %s to %s", p.Name, fixed[0])
}
