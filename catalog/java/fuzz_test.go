package java

import (
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/layerfs"
)

// The committed corpora (testdata/fuzz/Fuzz*) hold hostile cases; the
// targets add the real samples of testdata with f.Add.

func FuzzManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m := ParseManifest(data)
		for k, v := range m {
			if k == "" || strings.ContainsAny(k, "\r\n") || strings.ContainsAny(v, "\r\n") {
				t.Fatalf("attribute %q: %q", k, v)
			}
		}
		for _, l := range bundleLicenses(attribute(m, "Bundle-License")) {
			if l == "" || strings.Contains(l, ";") {
				t.Fatalf("license %q", l)
			}
		}
	})
}

func FuzzPomProperties(f *testing.F) {
	f.Add([]byte("#Created by Apache Maven 3.6.3\ngroupId=org.slf4j\nartifactId=slf4j-api\nversion=1.7.32\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePomProperties(data)
		if err != nil && p != (PomProperties{}) {
			t.Fatal("coordinates and an error")
		}
		for _, s := range []string{p.GroupID, p.ArtifactID, p.Version} {
			if s != strings.TrimSpace(s) {
				t.Fatalf("untrimmed %q", s)
			}
		}
	})
}

func FuzzPomXML(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		licenses, err := pomLicenses(data)
		if err != nil && licenses != nil {
			t.Fatal("licenses and an error")
		}
		for _, l := range licenses {
			if l == "" || l != strings.TrimSpace(l) {
				t.Fatalf("license %q", l)
			}
		}
	})
}

func FuzzGradleLockfile(f *testing.F) {
	f.Add(catalogtest.ReadTestdata(f, "project/gradle.lockfile"))
	f.Add(catalogtest.ReadTestdata(f, "project/legacy/gradle/dependency-locks/compileClasspath.lockfile"))
	f.Fuzz(func(t *testing.T, data []byte) {
		deps, problems := ParseGradleLockfile(data, "compileClasspath")
		if len(problems) > maxProblems {
			t.Fatalf("%d problems", len(problems))
		}
		for _, d := range deps {
			if d.Group == "" || d.Artifact == "" || d.Version == "" || strings.ContainsAny(d.Group+d.Artifact+d.Version, ": \t\n=") {
				t.Fatalf("bad dependency %+v", d)
			}
		}
	})
}

// FuzzArchive reduces an archive as extraction does, then catalogs the
// summary as a scan does. Run it with -fuzzminimizetime 200x: minimizing
// a new zip input takes the default 60 seconds, more than a short run.
func FuzzArchive(f *testing.F) {
	// The smallest real jar: each exec, and each minimization, costs in
	// proportion to the input.
	f.Add(debianJar(f, "hamcrest-integration-1.3.1-SNAPSHOT.jar"))
	f.Add(buildZip(f, "#!/bin/sh\n",
		manifestEntry("Implementation-Title: x\r\nBundle-License: MIT"),
		pomEntry("g", "a", "1"),
		zipEntry{name: "lib/in.jar", body: buildZip(f, "", pomEntry("h", "b", "2")), store: true},
		zipEntry{name: "lib/deflated.jar", body: buildZip(f, "", manifestEntry(""))},
	))
	lim := Limits{MaxDepth: 2, MaxEntries: 1000, MaxTotalEntries: 2000, MaxNestedBytes: 1 << 20, MaxMetadataSize: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Reduce(data, lim)
		if err != nil || out == nil {
			return
		}
		sum, err := decodeSummary(out)
		if err != nil {
			t.Fatalf("Reduce wrote an unreadable summary: %v", err)
		}
		if len(sum.Problems) > maxSummaryProblems+1 {
			t.Fatalf("%d problems", len(sum.Problems))
		}
		fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
			{Path: "a.jar", Type: layerfs.TypeFile, Size: int64(len(data)), Data: out, Captured: true, Matched: true},
		}})
		pkgs, _ := catalogtest.Run(t, New(WithLimits(lim)), fsys, nil)
		for _, p := range pkgs {
			if p.Name == "" || !strings.HasPrefix(p.Locations[0], "/a.jar") || !strings.HasPrefix(p.PURL, "pkg:maven/") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}
