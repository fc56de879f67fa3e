package rpm

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var rocky93 = &inventory.OS{ID: "rocky", VersionID: "9.3", IDLike: []string{"rhel", "centos", "fedora"}}

// TestRealDatabases reads databases that rpm wrote (or, for BerkeleyDB,
// that come from a real image) and checks every package against what
// `rpm -qa` says about the same database.
func TestRealDatabases(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string // image path -> testdata file
		rpmqa  string
		golden string
		os     *inventory.OS
		eco    string
	}{
		{
			name:   "sqlite",
			files:  map[string]string{"usr/lib/sysimage/rpm/rpmdb.sqlite": "sqlite/final/rpmdb.sqlite"},
			rpmqa:  "sqlite/final.rpmqa.txt",
			golden: "sqlite-final.golden.json",
			os:     rocky93,
			eco:    "Rocky Linux:9",
		},
		{
			name: "sqlite with a write-ahead log",
			files: map[string]string{
				"var/lib/rpm/rpmdb.sqlite":     "sqlite/wal/rpmdb.sqlite",
				"var/lib/rpm/rpmdb.sqlite-wal": "sqlite/wal/rpmdb.sqlite-wal",
			},
			rpmqa: "sqlite/wal.rpmqa.txt",
			os:    rocky93,
			eco:   "Rocky Linux:9",
		},
		{
			name:   "ndb",
			files:  map[string]string{"usr/lib/sysimage/rpm/Packages.db": "ndb/final/Packages.db"},
			rpmqa:  "ndb/final.rpmqa.txt",
			golden: "ndb-final.golden.json",
			os:     &inventory.OS{ID: "opensuse-leap", VersionID: "15.5"},
			eco:    "openSUSE:Leap 15.5",
		},
		{
			name:   "bdb",
			files:  map[string]string{"var/lib/rpm/Packages": "bdb/libuuid/Packages"},
			rpmqa:  "bdb/libuuid.rpmqa.txt",
			golden: "bdb-libuuid.golden.json",
			os:     &inventory.OS{ID: "rhel", VersionID: "8.8"},
			eco:    "Red Hat:8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(t.TempDir())
			var entries []entry
			for p, f := range tt.files {
				entries = append(entries, file(p, readTestdata(t, f)))
			}
			pkgs, warnings := run(t, c, layerfs.Merge(layer(t, c, entries...)), tt.os)
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			want := readRPMQA(t, tt.rpmqa)
			delete(want, "gpg-pubkey") // an imported key, not a package
			if len(pkgs) != len(want) {
				t.Errorf("got %d packages, rpm -qa lists %d", len(pkgs), len(want))
			}
			for _, p := range pkgs {
				w := want[p.Name]
				if w == nil {
					t.Errorf("%s: not listed by rpm -qa", p.Name)
					continue
				}
				wantVersion := w.version + "-" + w.release
				if w.epoch != "(none)" && w.epoch != "0" {
					wantVersion = w.epoch + ":" + wantVersion
				}
				srcName, srcVR, _ := parseSourceRPM(w.sourceRPM)
				if w.epoch != "(none)" && w.epoch != "0" {
					srcVR = w.epoch + ":" + srcVR
				}
				got := []string{p.Version, p.Arch, p.SourceName, p.SourceVersion, strings.Join(p.Licenses, " AND ")}
				exp := []string{wantVersion, w.arch, srcName, srcVR, w.license}
				if diff := cmp.Diff(exp, got); diff != "" {
					t.Errorf("%s: version, arch, source, license differ from rpm -qa (-rpm +vigil):\n%s", p.Name, diff)
				}
				if diff := cmp.Diff(sorted(w.files), sorted(p.Files)); diff != "" {
					t.Errorf("%s: files differ from rpm -qa (-rpm +vigil):\n%s", p.Name, diff)
				}
				if p.Type != inventory.TypeRPM || p.Ecosystem != tt.eco || p.Layer != 0 {
					t.Errorf("%s: type %q, ecosystem %q, layer %d", p.Name, p.Type, p.Ecosystem, p.Layer)
				}
			}
			if tt.golden != "" {
				golden(t, tt.golden, pkgs)
			}
		})
	}
}

// TestPURLs checks package URLs exactly, epoch and source rpm included.
func TestPURLs(t *testing.T) {
	c := New(t.TempDir())
	fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/rpmdb.sqlite", readTestdata(t, "sqlite/final/rpmdb.sqlite"))))
	tests := []struct {
		os   *inventory.OS
		want map[string]string
	}{
		{rocky93, map[string]string{
			"vigil-epoch":      "pkg:rpm/rocky/vigil-epoch@3.1-4.el9?arch=x86_64&distro=rocky-9.3&epoch=2&upstream=vigil-epoch-3.1-4.el9.src.rpm",
			"vigil-hello":      "pkg:rpm/rocky/vigil-hello@1.1-1.el9?arch=x86_64&distro=rocky-9.3&upstream=vigil-hello-1.1-1.el9.src.rpm",
			"vigil-hello-libs": "pkg:rpm/rocky/vigil-hello-libs@1.0-1.el9?arch=x86_64&distro=rocky-9.3&upstream=vigil-hello-1.0-1.el9.src.rpm",
			"vigil-noarch":     "pkg:rpm/rocky/vigil-noarch@0.9-7?arch=noarch&distro=rocky-9.3&upstream=vigil-noarch-0.9-7.src.rpm",
		}},
		{&inventory.OS{ID: "rhel", VersionID: "9.4"}, map[string]string{
			"vigil-epoch": "pkg:rpm/redhat/vigil-epoch@3.1-4.el9?arch=x86_64&distro=rhel-9.4&epoch=2&upstream=vigil-epoch-3.1-4.el9.src.rpm",
		}},
		{&inventory.OS{ID: "opensuse-leap", VersionID: "15.5"}, map[string]string{
			"vigil-epoch": "pkg:rpm/opensuse/vigil-epoch@3.1-4.el9?arch=x86_64&distro=opensuse-leap-15.5&epoch=2&upstream=vigil-epoch-3.1-4.el9.src.rpm",
		}},
		{nil, map[string]string{
			"vigil-epoch": "pkg:rpm/vigil-epoch@3.1-4.el9?arch=x86_64&epoch=2&upstream=vigil-epoch-3.1-4.el9.src.rpm",
		}},
	}
	for _, tt := range tests {
		pkgs, _ := run(t, c, fsys, tt.os)
		for _, p := range pkgs {
			if want, ok := tt.want[p.Name]; ok && p.PURL != want {
				t.Errorf("%v %s:\n got %s\nwant %s", tt.os, p.Name, p.PURL, want)
			}
		}
	}
}

// TestLayers checks per-package layer attribution over a database that
// later layers rewrite.
func TestLayers(t *testing.T) {
	c := New(t.TempDir())
	base := readTestdata(t, "sqlite/base/rpmdb.sqlite")
	final := readTestdata(t, "sqlite/final/rpmdb.sqlite")

	t.Run("rewritten database", func(t *testing.T) {
		fsys := layerfs.Merge(
			layer(t, c, file("usr/lib/sysimage/rpm/rpmdb.sqlite", base), file("etc/hostname", []byte("x\n"))),
			layer(t, c, file("etc/motd", []byte("hello\n"))), // does not touch the database
			layer(t, c, file("usr/lib/sysimage/rpm/rpmdb.sqlite", final)),
		)
		pkgs, warnings := run(t, c, fsys, rocky93)
		if len(warnings) > 0 {
			t.Errorf("warnings: %v", warnings)
		}
		want := map[string]int{
			"vigil-epoch 2:3.1-4.el9":    0,
			"vigil-hello-libs 1.0-1.el9": 0,
			"vigil-hello 1.1-1.el9":      2, // upgraded from 1.0 in layer 2
			"vigil-noarch 0.9-7":         2,
		}
		got := map[string]int{}
		for _, p := range pkgs {
			got[p.Name+" "+p.Version] = p.Layer
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("layers (-want +got):\n%s", diff)
		}
	})

	t.Run("fedora layout, var/lib/rpm a link", func(t *testing.T) {
		fsys := layerfs.Merge(
			layer(t, c, symlink("var/lib/rpm", "../../usr/lib/sysimage/rpm"), file("usr/lib/sysimage/rpm/rpmdb.sqlite", base)),
			layer(t, c, file("usr/lib/sysimage/rpm/rpmdb.sqlite", final)),
		)
		pkgs, warnings := run(t, c, fsys, &inventory.OS{ID: "fedora", VersionID: "40"})
		if len(warnings) > 0 {
			t.Errorf("warnings: %v", warnings)
		}
		if len(pkgs) != 4 {
			t.Fatalf("got %d packages, want 4 (one database read once)", len(pkgs))
		}
		for _, p := range pkgs {
			if diff := cmp.Diff([]string{"/usr/lib/sysimage/rpm/rpmdb.sqlite"}, p.Locations); diff != "" {
				t.Errorf("%s: locations (-want +got):\n%s", p.Name, diff)
			}
			if p.Ecosystem != "" {
				t.Errorf("%s: ecosystem %q on Fedora, which OSV does not cover", p.Name, p.Ecosystem)
			}
		}
	})

	t.Run("package committed to the log in a later layer", func(t *testing.T) {
		fsys := layerfs.Merge(
			layer(t, c, file("var/lib/rpm/rpmdb.sqlite", readTestdata(t, "sqlite/wal/rpmdb.sqlite"))),
			layer(t, c, file("var/lib/rpm/rpmdb.sqlite-wal", readTestdata(t, "sqlite/wal/rpmdb.sqlite-wal"))),
		)
		pkgs, warnings := run(t, c, fsys, rocky93)
		if len(warnings) > 0 {
			t.Errorf("warnings: %v", warnings)
		}
		got := map[string]int{}
		for _, p := range pkgs {
			got[p.Name] = p.Layer
		}
		want := map[string]int{"vigil-epoch": 0, "vigil-hello": 0, "vigil-hello-libs": 0, "vigil-noarch": 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("layers (-want +got):\n%s", diff)
		}
	})

	t.Run("database removed and restored", func(t *testing.T) {
		fsys := layerfs.Merge(
			layer(t, c, file("var/lib/rpm/rpmdb.sqlite", final)),
			layer(t, c, whiteout("var/lib/rpm/rpmdb.sqlite")),
			layer(t, c, file("var/lib/rpm/rpmdb.sqlite", final)),
		)
		pkgs, _ := run(t, c, fsys, rocky93)
		for _, p := range pkgs {
			if p.Layer != 2 {
				t.Errorf("%s: layer %d, want 2 (the database was gone in layer 1)", p.Name, p.Layer)
			}
		}
	})
}

func TestSeveralFormatsInOneDirectory(t *testing.T) {
	c := New(t.TempDir())
	fsys := layerfs.Merge(layer(t, c,
		file("var/lib/rpm/rpmdb.sqlite", readTestdata(t, "sqlite/base/rpmdb.sqlite")),
		file("var/lib/rpm/Packages", readTestdata(t, "bdb/libuuid/Packages")),
	))
	pkgs, warnings := run(t, c, fsys, rocky93)
	for _, p := range pkgs {
		if p.Name == "libuuid" {
			t.Errorf("read the BerkeleyDB beside the SQLite database")
		}
	}
	if len(warnings) != 1 || warnings[0].Path != "/var/lib/rpm/Packages" {
		t.Errorf("want one warning about /var/lib/rpm/Packages, got %v", warnings)
	}
}

func TestSourceRPM(t *testing.T) {
	tests := []struct {
		in, name, vr string
		ok           bool
	}{
		{"bash-5.1.8-6.el9.src.rpm", "bash", "5.1.8-6.el9", true},
		{"util-linux-2.32.1-42.el8_8.src.rpm", "util-linux", "2.32.1-42.el8_8", true},
		{"kernel-5.14.0-427.13.1.el9_4.nosrc.rpm", "kernel", "5.14.0-427.13.1.el9_4", true},
		{"", "", "", false},
		{"(none)", "", "", false},
		{"elasticsearch-8.17.0-1-src.rpm", "", "", false},
		{"norelease.src.rpm", "", "", false},
		{"-1-2.src.rpm", "", "", false},
		{"a--2.src.rpm", "", "", false},
		{"a-1-.src.rpm", "", "", false},
	}
	for _, tt := range tests {
		name, vr, ok := parseSourceRPM(tt.in)
		if name != tt.name || vr != tt.vr || ok != tt.ok {
			t.Errorf("parseSourceRPM(%q) = %q, %q, %v; want %q, %q, %v", tt.in, name, vr, ok, tt.name, tt.vr, tt.ok)
		}
	}
}

func TestEcosystem(t *testing.T) {
	tests := []struct {
		os   *inventory.OS
		want string
	}{
		{&inventory.OS{ID: "rhel", VersionID: "9.4"}, "Red Hat:9"},
		{&inventory.OS{ID: "rocky", VersionID: "9.3"}, "Rocky Linux:9"},
		{&inventory.OS{ID: "almalinux", VersionID: "8.10"}, "AlmaLinux:8"},
		{&inventory.OS{ID: "opensuse-leap", VersionID: "15.5"}, "openSUSE:Leap 15.5"},
		{&inventory.OS{ID: "opensuse-tumbleweed", VersionID: "20240101"}, "openSUSE:Tumbleweed"},
		{&inventory.OS{ID: "mageia", VersionID: "9"}, "Mageia:9"},
		{&inventory.OS{ID: "fedora", VersionID: "40"}, ""},
		{&inventory.OS{ID: "centos", VersionID: "7"}, ""},
		{&inventory.OS{ID: "amzn", VersionID: "2023"}, ""},
		{&inventory.OS{ID: "sles", VersionID: "15.5"}, ""},
		{&inventory.OS{ID: "rhel"}, ""},
		{&inventory.OS{ID: "rocky", VersionID: "x.1"}, ""},
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
		{"Public Domain", []string{"Public Domain"}},
		{"GPL-2.0-or-later AND MIT", []string{"GPL-2.0-or-later", "MIT"}},
		{"GPLv2+ and LGPLv2+ and BSD", []string{"GPLv2+", "LGPLv2+", "BSD"}},
		{"GPLv2+ and LGPLv2+ with exceptions", []string{"GPLv2+ and LGPLv2+ with exceptions"}},
		{"(MIT OR Apache-2.0) AND CC0-1.0", []string{"(MIT OR Apache-2.0) AND CC0-1.0"}},
		{"MIT or BSD", []string{"MIT or BSD"}},
		{"  ", nil},
	}
	for _, tt := range tests {
		if got := licenses(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("licenses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPatternsCoverEveryRead(t *testing.T) {
	c := New("")
	m, err := layerfs.NewMatcher(c.Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dbDirs() {
		for _, f := range append(dbFiles(), "rpmdb.sqlite"+walSuffix) {
			if !m.Match(d + "/" + f) {
				t.Errorf("patterns miss %s/%s", d, f)
			}
		}
	}
}

func TestTempDirCleanedUp(t *testing.T) {
	dir := t.TempDir()
	c := New(dir)
	fsys := layerfs.Merge(layer(t, c, file("var/lib/rpm/rpmdb.sqlite", readTestdata(t, "sqlite/final/rpmdb.sqlite"))))
	if _, err := c.Catalog(context.Background(), fsys, env(t)); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, dir)
}
