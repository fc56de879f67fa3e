package java

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got any) { catalogtest.Golden(t, name, got, *update) }

// debianJar returns a real jar of testdata/root (see testdata/README.md).
func debianJar(t testing.TB, name string) []byte {
	return catalogtest.ReadTestdata(t, "root/usr/share/java/"+name)
}

// extractDir reads a directory the way a dir: scan does, through the
// cataloger's matcher and filter.
func extractDir(t testing.TB, c *Cataloger, root string) *layerfs.Extract {
	t.Helper()
	m, err := catalog.Matcher([]catalog.Cataloger{c})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := layerfs.ExtractDir(context.Background(), root, m, layerfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return ext
}

// run catalogs layers and returns the packages, and the warnings of the
// extraction (layerfs's, which include Reduce's errors) and of the
// cataloger, as "layer N /path: message".
func run(t testing.TB, c *Cataloger, exts ...*layerfs.Extract) ([]inventory.Package, []string) {
	t.Helper()
	fsys := layerfs.Merge(exts...)
	pkgs, warnings := catalogtest.Run(t, c, fsys, nil)
	var msgs []string
	for _, w := range fsys.Warnings() {
		msgs = append(msgs, fmt.Sprintf("layer %d /%s: %s", w.Layer, w.Path, w.Message))
	}
	for _, w := range warnings {
		msgs = append(msgs, fmt.Sprintf("layer %d %s: %s", w.Layer, w.Path, w.Message))
	}
	return pkgs, msgs
}

// byLocation maps each location to the "name@version" of its packages.
func byLocation(pkgs []inventory.Package) map[string][]string {
	m := map[string][]string{}
	for _, p := range pkgs {
		for _, l := range p.Locations {
			m[l] = append(m[l], p.Name+"@"+p.Version)
		}
	}
	for _, v := range m {
		slices.Sort(v)
	}
	return m
}

// TestDebianJars catalogs real jars of Debian packages and checks them
// against Debian's own Maven repository (/usr/share/maven-repo), which
// links each jar under its group/artifact/version: testdata/root.maven-repo.txt.
func TestDebianJars(t *testing.T) {
	c := New()
	ext := extractDir(t, c, "testdata/root")
	pkgs, warnings := run(t, c, ext)
	if len(warnings) > 0 {
		t.Errorf("warnings on real jars: %q", warnings)
	}
	truth := map[string][]string{} // jar -> group:artifact:version
	sc := bufio.NewScanner(bytes.NewReader(catalogtest.ReadTestdata(t, "root.maven-repo.txt")))
	for sc.Scan() {
		jar, gav, _ := strings.Cut(sc.Text(), " ")
		truth[jar] = append(truth[jar], gav)
	}
	found := map[string]bool{}
	for _, p := range pkgs {
		jar := path.Base(p.Locations[0])
		found[jar] = true
		gavs := truth[jar]
		if strings.Contains(p.Name, ":") {
			// Named by pom.properties: the coordinates Debian gives.
			if !slices.Contains(gavs, p.Name+":"+p.Version) {
				t.Errorf("%s: %s@%s, Debian says %q", jar, p.Name, p.Version, gavs)
			}
			continue
		}
		// Named by manifest and file name: the artifact Debian gives,
		// the group unknown (hamcrest-2.2.jar, jsr305, hamcrest-integration).
		if !slices.ContainsFunc(gavs, func(g string) bool { return strings.Split(g, ":")[1] == p.Name }) {
			t.Errorf("%s: artifact %s, Debian says %q", jar, p.Name, gavs)
		}
	}
	for jar := range truth {
		if !found[jar] {
			t.Errorf("no package from %s", jar)
		}
	}
	if len(pkgs) != len(truth) {
		t.Errorf("%d packages from %d jars (the symbolic link slf4j-api-1.7.32.jar must not count twice)", len(pkgs), len(truth))
	}
	golden(t, "debian.golden.json", pkgs)

	k := byLocation(pkgs)
	if got := k["/usr/share/java/jsr305-0.1~+svn49.jar"]; !slices.Equal(got, []string{"jsr305@0.1~+svn49"}) {
		t.Errorf("jsr305 (no pom.properties, a bare manifest): %q; want the file name's artifact and version", got)
	}
	for _, p := range pkgs {
		if p.Name == "com.fasterxml.jackson.core:jackson-annotations" && !slices.Equal(p.Licenses, []string{"https://www.apache.org/licenses/LICENSE-2.0.txt"}) {
			t.Errorf("jackson-annotations licenses = %q, want its Bundle-License", p.Licenses)
		}
		if p.Name == "org.slf4j:jcl-over-slf4j" && !slices.Equal(p.Licenses, []string{"Apache License, Version 2.0"}) {
			t.Errorf("jcl-over-slf4j licenses = %q, want its pom.xml's", p.Licenses)
		}
		if p.Type != inventory.TypeMaven || p.Ecosystem != "Maven" || p.Layer != 0 {
			t.Errorf("%s: %+v", p.Name, p)
		}
	}
}

// TestReducedSize checks that extraction keeps a summary of each jar, not
// the jar.
func TestReducedSize(t *testing.T) {
	ext := extractDir(t, New(), "testdata/root")
	var kept, size int64
	for _, e := range ext.Entries {
		if !e.Captured {
			continue
		}
		if len(e.Data) > 1024 {
			t.Errorf("%s: %d bytes kept of %d", e.Path, len(e.Data), e.Size)
		}
		kept += int64(len(e.Data))
		size += e.Size
	}
	t.Logf("%d bytes of jars kept as %d bytes", size, kept)
	if kept == 0 || kept*50 > size {
		t.Errorf("%d bytes of jars kept as %d bytes", size, kept)
	}
}

// zipEntry is one entry of a test archive.
type zipEntry struct {
	name  string
	body  []byte
	store bool // uncompressed, as Spring Boot requires for BOOT-INF/lib
}

// buildZip writes a zip archive after prefix (the launch script of an
// executable jar), with offsets counted from the start of the file.
func buildZip(t testing.TB, prefix string, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString(prefix)
	w := zip.NewWriter(&buf)
	w.SetOffset(int64(len(prefix)))
	for _, e := range entries {
		method := zip.Deflate
		if e.store {
			method = zip.Store
		}
		fw, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pomEntry(group, artifact, version string) zipEntry {
	return zipEntry{
		name: "META-INF/maven/" + group + "/" + artifact + "/pom.properties",
		body: []byte("#Created by Apache Maven 3.9.6\ngroupId=" + group + "\nartifactId=" + artifact + "\nversion=" + version + "\n"),
	}
}

func manifestEntry(attrs string) zipEntry {
	return zipEntry{name: "META-INF/MANIFEST.MF", body: []byte("Manifest-Version: 1.0\r\n" + attrs + "\r\n")}
}

// entriesOf copies the Maven metadata of a real jar into another archive,
// as the maven-shade-plugin does.
func entriesOf(t testing.TB, jar []byte) []zipEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		t.Fatal(err)
	}
	var out []zipEntry
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "META-INF/maven/") && !f.Mode().IsDir() {
			b, err := readEntry(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, zipEntry{name: f.Name, body: b})
		}
	}
	return out
}

// nestedImage is a layer of Java applications built from real Debian
// jars: a war, an ear holding that war, a Spring Boot executable jar and
// a shaded jar.
func nestedImage(t testing.TB) []testimage.File {
	class := zipEntry{name: "com/example/Main.class", body: bytes.Repeat([]byte{0xca, 0xfe, 0xba, 0xbe}, 256)}
	war := buildZip(t, "",
		manifestEntry("Implementation-Title: shop"),
		pomEntry("com.example", "shop", "2.0.0"),
		zipEntry{name: "WEB-INF/classes/com/example/Shop.class", body: class.body},
		zipEntry{name: "WEB-INF/lib/slf4j-api-1.7.32.jar", body: debianJar(t, "slf4j-api.jar")},
		zipEntry{name: "WEB-INF/lib/commons-cli-1.5.0.jar", body: debianJar(t, "commons-cli.jar"), store: true},
		zipEntry{name: "WEB-INF/lib/hamcrest-2.2.jar", body: debianJar(t, "hamcrest-2.2.jar")},
	)
	ear := buildZip(t, "",
		zipEntry{name: "META-INF/application.xml", body: []byte("<application/>")},
		zipEntry{name: "shop.war", body: war, store: true},
		zipEntry{name: "lib/jackson-annotations-2.14.0.jar", body: debianJar(t, "jackson-annotations.jar")},
	)
	boot := buildZip(t, "#!/bin/bash\n# Spring Boot launch script\nexec java -jar \"$0\" \"$@\"\n",
		manifestEntry("Main-Class: org.springframework.boot.loader.launch.JarLauncher\r\nStart-Class: com.example.Service"),
		pomEntry("com.example", "service", "1.0.0"),
		zipEntry{name: "BOOT-INF/classes/com/example/Service.class", body: class.body},
		zipEntry{name: "BOOT-INF/lib/slf4j-api-1.7.32.jar", body: debianJar(t, "slf4j-api.jar"), store: true},
		zipEntry{name: "BOOT-INF/lib/slf4j-simple-1.7.32.jar", body: debianJar(t, "slf4j-simple.jar"), store: true},
		zipEntry{name: "BOOT-INF/lib/jcl-over-slf4j-1.7.32.jar", body: debianJar(t, "jcl-over-slf4j.jar"), store: true},
	)
	shaded := []zipEntry{manifestEntry("Implementation-Title: tool\r\nImplementation-Version: 3.1"), pomEntry("com.example", "tool", "3.1"), class}
	shaded = append(shaded, entriesOf(t, debianJar(t, "slf4j-api.jar"))...)
	shaded = append(shaded, entriesOf(t, debianJar(t, "commons-cli.jar"))...)
	return []testimage.File{
		{Name: "srv/shop.war", Body: war},
		{Name: "opt/app.ear", Body: ear},
		{Name: "app/service.jar", Body: boot},
		{Name: "app/tool-3.1.jar", Body: buildZip(t, "", shaded...)},
		{Name: "app/README.jar", Body: []byte("#!/bin/sh\necho not an archive\n")},
	}
}

// TestNestedArchives catalogs a war, an ear (holding the war), a Spring
// Boot executable jar and a shaded jar, built from real jars.
func TestNestedArchives(t *testing.T) {
	c := New()
	ext := catalogtest.Layer(t, c, nestedImage(t)...)
	for _, e := range ext.Entries {
		if e.Captured && len(e.Data) > 4096 {
			t.Errorf("%s: %d bytes kept of %d", e.Path, len(e.Data), e.Size)
		}
	}
	pkgs, warnings := run(t, c, ext)
	if len(warnings) > 0 {
		t.Errorf("warnings: %q", warnings)
	}
	want := map[string][]string{
		"/srv/shop.war": {"com.example:shop@2.0.0"},
		"/srv/shop.war:WEB-INF/lib/slf4j-api-1.7.32.jar":          {"org.slf4j:slf4j-api@1.7.32"},
		"/srv/shop.war:WEB-INF/lib/commons-cli-1.5.0.jar":         {"commons-cli:commons-cli@1.5.0"},
		"/srv/shop.war:WEB-INF/lib/hamcrest-2.2.jar":              {"hamcrest@2.2"},
		"/opt/app.ear:shop.war":                                   {"com.example:shop@2.0.0"},
		"/opt/app.ear:shop.war:WEB-INF/lib/slf4j-api-1.7.32.jar":  {"org.slf4j:slf4j-api@1.7.32"},
		"/opt/app.ear:shop.war:WEB-INF/lib/commons-cli-1.5.0.jar": {"commons-cli:commons-cli@1.5.0"},
		"/opt/app.ear:shop.war:WEB-INF/lib/hamcrest-2.2.jar":      {"hamcrest@2.2"},
		"/opt/app.ear:lib/jackson-annotations-2.14.0.jar":         {"com.fasterxml.jackson.core:jackson-annotations@2.14.0"},
		"/app/service.jar": {"com.example:service@1.0.0"},
		"/app/service.jar:BOOT-INF/lib/slf4j-api-1.7.32.jar":      {"org.slf4j:slf4j-api@1.7.32"},
		"/app/service.jar:BOOT-INF/lib/slf4j-simple-1.7.32.jar":   {"org.slf4j:slf4j-simple@1.7.32"},
		"/app/service.jar:BOOT-INF/lib/jcl-over-slf4j-1.7.32.jar": {"org.slf4j:jcl-over-slf4j@1.7.32"},
		// The shaded jar: its own pom.properties and the two it absorbed.
		"/app/tool-3.1.jar": {"com.example:tool@3.1", "commons-cli:commons-cli@1.5.0", "org.slf4j:slf4j-api@1.7.32"},
	}
	if diff := cmp.Diff(want, byLocation(pkgs)); diff != "" {
		t.Errorf("packages by location (-want +got):\n%s", diff)
	}
	golden(t, "nested.golden.json", pkgs)
}

// TestGradle reads real Gradle lock files of both layouts.
func TestGradle(t *testing.T) {
	c := New()
	pkgs, warnings := run(t, c, extractDir(t, c, "testdata/project"))
	if len(warnings) > 0 {
		t.Errorf("warnings: %q", warnings)
	}
	golden(t, "gradle.golden.json", pkgs)
	got := map[string]inventory.Package{}
	for _, p := range pkgs {
		got[p.Name+"@"+p.Version] = p
	}
	// gradle.lockfile: 11 dependencies, the "empty=" line is none.
	// compileClasspath.lockfile: 18, runtimeClasspath.lockfile: 5 of them.
	if len(pkgs) != 11+18 {
		t.Errorf("%d packages, want 29", len(pkgs))
	}
	for key, dev := range map[string]bool{
		"commons-io:commons-io@2.14.0":                 true, // test classpaths only
		"org.junit.jupiter:junit-jupiter-engine@5.9.2": true,
		"io.github.toolfactory:jvm-driver@9.8.0":       false,
		"com.google.guava:guava@18.0":                  false, // compileClasspath.lockfile
	} {
		if p, ok := got[key]; !ok || p.Dev != dev {
			t.Errorf("%s: found %v, dev %v; want dev %v", key, ok, p.Dev, dev)
		}
	}
	core := got["com.fasterxml.jackson.core:jackson-core@2.6.7"]
	if len(core.Locations) != 2 || core.PURL != "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.6.7" {
		t.Errorf("a dependency of both per-configuration lock files: %+v", core)
	}
}

// TestGradleLayers: a dependency belongs to the layer from which the lock
// file has listed it.
func TestGradleLayers(t *testing.T) {
	c := New()
	full := catalogtest.ReadTestdata(t, "project/gradle.lockfile")
	lines := strings.SplitAfter(string(full), "\n")
	first := strings.Join(lines[:5], "") // the header and two dependencies
	pkgs, _ := run(t, c,
		catalogtest.Layer(t, c, testimage.File{Name: "src/gradle.lockfile", Body: []byte(first)}),
		catalogtest.Layer(t, c, testimage.File{Name: "src/gradle.lockfile", Body: full}),
	)
	layers := map[string]int{}
	for _, p := range pkgs {
		layers[p.Name] = p.Layer
	}
	if layers["commons-io:commons-io"] != 0 || layers["io.github.toolfactory:jvm-driver"] != 0 || layers["org.burningwave:core"] != 1 || len(pkgs) != 11 {
		t.Errorf("layers = %v", layers)
	}
}

func TestParseManifest(t *testing.T) {
	m := ParseManifest([]byte("Manifest-Version: 1.0\r\nBundle-Description: Core annotations used for value types, used by Jac\r\n kson data binding package.\r\nimplementation-version: 2.0\r\nEmpty:\r\nno separator line\r\n\r\nName: org/example/\r\nImplementation-Version: 9\r\n"))
	want := map[string]string{
		"Manifest-Version":       "1.0",
		"Bundle-Description":     "Core annotations used for value types, used by Jackson data binding package.",
		"implementation-version": "2.0",
		"Empty":                  "",
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("main section (-want +got):\n%s", diff)
	}
	if v := attribute(m, "Implementation-Version"); v != "2.0" {
		t.Errorf("attribute names are case-insensitive: %q", v)
	}
	if m := ParseManifest([]byte("A: 1\rB: 2\nC: 3")); len(m) != 3 {
		t.Errorf("CR and LF line ends: %v", m)
	}
}

func TestParsePomProperties(t *testing.T) {
	for in, want := range map[string]PomProperties{
		"#Generated by Maven\ngroupId=org.slf4j\nartifactId=slf4j-api\nversion=1.7.32\n": {"org.slf4j", "slf4j-api", "1.7.32"},
		"groupId : com.example\nartifactId a\\u002db\nversion=1.\\\n  0\n":               {"com.example", "a-b", "1.0"},
		"artifactId=x\r\n":                  {ArtifactID: "x"},
		"\x00\xff binary junk =\n\x01\x02=": {},
	} {
		got, err := ParsePomProperties([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParsePomProperties(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := ParsePomProperties([]byte("version=\\u12")); err == nil {
		t.Error("a truncated \\u escape is an error")
	}
}

func TestPomLicenses(t *testing.T) {
	latin1 := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><licenses>" +
		"<license><name>Licence publique g\xe9n\xe9rale\n   GNU</name></license><license><url>https://opensource.org/license/mit</url></license>" +
		"</licenses></project>"
	got, err := pomLicenses([]byte(latin1))
	if want := []string{"Licence publique générale GNU", "https://opensource.org/license/mit"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("pomLicenses = %q, %v; want %q", got, err, want)
	}
	if _, err := pomLicenses([]byte(`<?xml version="1.0" encoding="EBCDIC-unknown"?><project/>`)); err == nil {
		t.Error("an unknown encoding is an error")
	}
	bomb := `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><project><licenses><license><name>&b;</name></license></licenses></project>`
	if _, err := pomLicenses([]byte(bomb)); err == nil {
		t.Error("custom entities are not expanded")
	}
}

func TestParseFileName(t *testing.T) {
	for in, want := range map[string][2]string{
		"commons-lang3-3.12.0.jar":                {"commons-lang3", "3.12.0"},
		"hamcrest-integration-1.3.1-SNAPSHOT.jar": {"hamcrest-integration", "1.3.1-SNAPSHOT"},
		"jsr305-0.1~+svn49.jar":                   {"jsr305", "0.1~+svn49"},
		"my-http2-server-5.jar":                   {"my-http2-server", "5"},
		"jetpack-build235-rc5.jar":                {"jetpack", "build235-rc5"},
		"ironman-r4-2009.jar":                     {"ironman", "r4-2009"},
		"slf4j-api.jar":                           {"slf4j-api", ""},
		"foo_1.2.jar":                             {"foo", "1.2"},
		"guava-31.1-jre.jar":                      {"guava", "31.1-jre"},
		"app.war":                                 {"app", ""},
	} {
		name, version := parseFileName(in)
		if name != want[0] || version != want[1] {
			t.Errorf("parseFileName(%q) = %q, %q; want %q", in, name, version, want)
		}
	}
}

func TestBundleLicenses(t *testing.T) {
	got := bundleLicenses(`Apache-2.0;link="https://www.apache.org/licenses/LICENSE-2.0.txt", "EPL-2.0;description=x,y", <<EXTERNAL>>`)
	if want := []string{"Apache-2.0", "EPL-2.0"}; !slices.Equal(got, want) {
		t.Errorf("bundleLicenses = %q, want %q", got, want)
	}
}

func TestPatternsMatchClassify(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"usr/share/java/a.jar":                             true,
		"srv/x.war":                                        true,
		"var/jenkins_home/plugins/git.jpi":                 true,
		"app/gradle.lockfile":                              true,
		"app/gradle/dependency-locks/compile.lockfile":     true,
		"app/gradle/dependency-locks/sub/compile.lockfile": false,
		"app/x.lockfile":                                   false,
		"usr/share/java/a.jar.sha1":                        false,
	} {
		if m.Match(p) != want {
			t.Errorf("Match(%q) = %v", p, !want)
		}
	}
}
