package dpkg

import (
	"bufio"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

func readTestdata(t testing.TB, name string) []byte { return catalogtest.ReadTestdata(t, name) }

// TestParseStatusMatchesDpkgQuery compares the parser with dpkg's own
// reading of the same real status file.
func TestParseStatusMatchesDpkgQuery(t *testing.T) {
	entries, problems := ParseStatus(readTestdata(t, "status"))
	if len(problems) > 0 {
		t.Errorf("problems on a real status file: %v", problems)
	}
	var got []string
	for _, e := range entries {
		got = append(got, strings.Join([]string{e.Package, e.Version, e.Architecture, e.SourceName, e.SourceVersion}, " "))
	}
	var want []string
	sc := bufio.NewScanner(strings.NewReader(string(readTestdata(t, "status.dpkg-query.txt"))))
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("ParseStatus differs from dpkg-query (-want +got):\n%s", diff)
	}
}

func sorted(s []string) []string {
	return slices.Sorted(slices.Values(s))
}

func TestParseStatusMalformed(t *testing.T) {
	in := "Package: good\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n" +
		"Status: install ok installed\nVersion: 2\n\n" + // no Package
		"Package: noversion\nStatus: install ok installed\n\n" +
		"garbage line\n\n" +
		"Package: gone\nStatus: deinstall ok config-files\nVersion: 3\r\n\n" +
		"Package: src\nVersion: 1.2-3+b1\nSource: upstream (1.2-3)\nDescription: x\n multi\n line\n"
	entries, problems := ParseStatus([]byte(in))
	if len(problems) != 3 {
		t.Errorf("problems = %q, want 3", problems)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Package)
	}
	if diff := cmp.Diff([]string{"good", "gone", "src"}, names); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if entries[1].installed() {
		t.Error("a package with only config-files left is reported installed")
	}
	if e := entries[2]; e.SourceName != "upstream" || e.SourceVersion != "1.2-3" {
		t.Errorf("source = %s %s, want upstream 1.2-3", e.SourceName, e.SourceVersion)
	}
}

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o644, Size: int64(len(data)), Data: data, Captured: true}
}

func TestCatalogLayersLicensesFiles(t *testing.T) {
	status := readTestdata(t, "status")
	// Layer 0: the real status minus sed; layer 1 adds sed, and upgrades
	// zlib1g to a (made-up) newer version.
	var base, top []string
	for _, st := range strings.Split(strings.TrimSpace(string(status)), "\n\n") {
		if strings.HasPrefix(st, "Package: sed\n") {
			top = append(top, st)
			continue
		}
		base = append(base, st)
		if strings.HasPrefix(st, "Package: zlib1g\n") {
			st = strings.Replace(st, "Version: 1:1.2.13.dfsg-1", "Version: 1:1.2.13.dfsg-1+vigil1", 1)
		}
		top = append(top, st)
	}
	l0 := &layerfs.Extract{Entries: []layerfs.Entry{
		file("var/lib/dpkg/status", []byte(strings.Join(base, "\n\n")+"\n")),
		file("usr/share/doc/bash/copyright", readTestdata(t, "doc/bash.copyright")),
		file("usr/share/doc/libc6/copyright", readTestdata(t, "doc/libc6.copyright")),
		file("usr/share/doc/libssl3/copyright", readTestdata(t, "doc/libssl3.copyright")),
		file("var/lib/dpkg/info/libssl3:amd64.list", readTestdata(t, "info/libssl3_amd64.list")),
		{Path: "usr/lib/x86_64-linux-gnu", Type: layerfs.TypeDir},
		file("usr/lib/x86_64-linux-gnu/libssl.so.3", nil),
		{Path: "etc/os-release", Type: layerfs.TypeSymlink, Link: "../usr/lib/os-release"},
		file("usr/lib/os-release", []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")),
	}}
	l1 := &layerfs.Extract{Entries: []layerfs.Entry{
		file("var/lib/dpkg/status", []byte(strings.Join(top, "\n\n")+"\n")),
		file("usr/share/doc/sed/copyright", readTestdata(t, "doc/sed.copyright")),
		file("var/lib/dpkg/info/sed.list", readTestdata(t, "info/sed.list")),
		{Path: "bin", Type: layerfs.TypeDir},
		file("bin/sed", nil),
	}}
	fsys := layerfs.Merge(l0, l1)
	os := &inventory.OS{ID: "debian", VersionID: "12"}
	pkgs, warnings := catalog.Run(context.Background(), fsys, &catalog.Env{OS: os}, New())
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	if len(pkgs) != 20 {
		t.Fatalf("got %d packages, want 20", len(pkgs))
	}
	byName := map[string]inventory.Package{}
	for _, p := range pkgs {
		byName[p.Name] = p
	}
	for name, layer := range map[string]int{"bash": 0, "libc6": 0, "sed": 1, "zlib1g": 1} {
		if got := byName[name].Layer; got != layer {
			t.Errorf("%s introduced in layer %d, want %d", name, got, layer)
		}
	}
	libc := byName["libc6"]
	if libc.SourceName != "glibc" || libc.PURL != "pkg:deb/debian/libc6@"+strings.ReplaceAll(libc.Version, "+", "%2B")+"?arch=amd64&distro=debian-12&upstream=glibc" {
		t.Errorf("libc6: source %q purl %q", libc.SourceName, libc.PURL)
	}
	if libc.Ecosystem != "Debian:12" {
		t.Errorf("libc6 ecosystem = %q", libc.Ecosystem)
	}
	if libc.Licenses != nil {
		t.Errorf("libc6 has a free-form copyright file; licenses = %v, want none", libc.Licenses)
	}
	bash := byName["bash"]
	if want := "pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"; bash.PURL != want {
		t.Errorf("bash purl = %s, want %s", bash.PURL, want)
	}
	if len(bash.Licenses) == 0 || bash.Licenses[0] != "GPL-3+" {
		t.Errorf("bash licenses = %v, want GPL-3+ first", bash.Licenses)
	}
	if diff := cmp.Diff([]string{"Apache-2.0", "Artistic or GPL-1+", "Artistic", "GPL-1+"}, byName["libssl3"].Licenses); diff != "" {
		t.Errorf("libssl3 licenses (-want +got):\n%s", diff)
	}
	// The multi-arch list is found under its name:arch; directories are
	// left out.
	if files := byName["libssl3"].Files; len(files) == 0 || strings.Contains(strings.Join(files, " "), "/usr/lib/x86_64-linux-gnu ") {
		t.Errorf("libssl3 files = %v", files)
	}
	if !slices.Contains(byName["sed"].Files, "/bin/sed") || slices.Contains(byName["sed"].Files, "/bin") {
		t.Errorf("sed files = %v", byName["sed"].Files)
	}
}

func TestCatalogDistroless(t *testing.T) {
	status := "Package: libc6\nVersion: 2.36-9+deb12u10\nArchitecture: amd64\nSource: glibc\n"
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("var/lib/dpkg/status.d/libc6", []byte(status)),
		file("var/lib/dpkg/status.d/libc6.md5sums", []byte("0123456789abcdef0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n")),
		file("var/lib/dpkg/status.d/broken", []byte("Version: 1\n")),
	}})
	var warned []string
	env := &catalog.Env{OS: &inventory.OS{ID: "debian", VersionID: "12"}, Warn: func(_ int, p, msg string) { warned = append(warned, p+": "+msg) }}
	pkgs, err := New().Catalog(context.Background(), fsys, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].Name != "libc6" || pkgs[0].SourceVersion != "2.36-9+deb12u10" {
		t.Fatalf("packages = %+v", pkgs)
	}
	if diff := cmp.Diff([]string{"/lib/x86_64-linux-gnu/libc.so.6"}, pkgs[0].Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/var/lib/dpkg/status.d/libc6"}, pkgs[0].Locations); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "status.d/broken") {
		t.Errorf("warnings = %q, want one about status.d/broken", warned)
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add(readTestdata(f, "status"))
	f.Add([]byte("Package: a\nVersion: 1\nSource: b (2)\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _ := ParseStatus(data)
		for _, e := range entries {
			if e.Package == "" || e.Version == "" || e.SourceName == "" || e.SourceVersion == "" {
				t.Fatalf("incomplete entry %+v", e)
			}
		}
	})
}
