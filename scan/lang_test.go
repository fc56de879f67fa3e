package scan_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/vigil-dev/vigil/internal/testenv"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/scan"
)

// TestLanguageImage scans the "lang" image that scripts/env.sh builds with
// docker build (scan/testdata/lang/Dockerfile): Debian library packages
// installed by apt-get (whose jar, gemspecs and egg-info dpkg owns), then
// one application layer per ecosystem. Each ecosystem's packages must be
// exactly what that ecosystem's own tool reports for the same files
// (recorded in the catalogers' testdata, or run here), found in the layer
// that copied them, and nothing dpkg owns may come back as a language
// package.
func TestLanguageImage(t *testing.T) {
	src := "docker-archive:" + testenv.Get(t, "VIGIL_TEST_LANG_ARCHIVE")
	ref := testenv.Get(t, "VIGIL_TEST_LANG_REF")
	inv, err := scan.Inventory(context.Background(), src, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range inv.Warnings {
		t.Errorf("warning: %+v", w)
	}
	got := map[string][]string{} // type -> sorted "name version"
	layerOf := map[string]map[int]bool{}
	for _, p := range inv.Packages {
		got[p.Type] = append(got[p.Type], p.Name+" "+p.Version)
		if layerOf[p.Type] == nil {
			layerOf[p.Type] = map[int]bool{}
		}
		layerOf[p.Type][p.Layer] = true
	}

	want := map[string][]string{
		inventory.TypeDeb:      dpkgInImage(t, ref),
		inventory.TypeNPM:      npmLs(t),
		inventory.TypePyPI:     {"pip 23.2.1"},
		inventory.TypeGolang:   goappModules(t),
		inventory.TypeGem:      fields(t, "../catalog/ruby/testdata/locks.bundler.txt", "src/app/Gemfile.lock", 1, 2),
		inventory.TypeComposer: fields(t, "../catalog/php/testdata/lock.composer.txt", "", 0, 1),
		inventory.TypeCargo:    cargoTruth(t),
		// .NET is not in Debian: the fixture is format-faithful, not real
		// (catalog/dotnet/testdata/README.md); its golden file is checked
		// by the cataloger's own tests.
		inventory.TypeNuGet: goldenPackages(t, "../catalog/dotnet/testdata/webapp.golden.json"),
	}
	for typ, w := range want {
		slices.Sort(w)
		g := got[typ]
		slices.Sort(g)
		if !slices.Equal(g, w) {
			t.Errorf("%s: got %d packages, want %d\n got: %q\nwant: %q", typ, len(g), len(w), g, w)
		}
	}
	checkMaven(t, inv.Packages)
	for typ := range got {
		if _, ok := want[typ]; !ok && typ != inventory.TypeMaven {
			t.Errorf("unexpected package type %s: %q", typ, got[typ])
		}
	}

	// Layers: the Debian packages come from the base (0) and the apt-get
	// layer; each ecosystem from the one COPY that brought it.
	copyLayer := func(dest string) int {
		for i, l := range inv.Layers {
			if strings.Contains(l.CreatedBy, "COPY") && strings.HasSuffix(strings.TrimSpace(l.CreatedBy), " in "+dest) {
				return i
			}
		}
		t.Fatalf("no layer copies to %s: %+v", dest, inv.Layers)
		return -1
	}
	for typ, dest := range map[string]string{
		inventory.TypeNPM: "/usr/src/app/", inventory.TypePyPI: "/usr/local/lib/python3.11/site-packages/",
		inventory.TypeGolang: "/usr/local/bin/", inventory.TypeMaven: "/opt/app/lib/",
	} {
		if l := copyLayer(dest); len(layerOf[typ]) != 1 || !layerOf[typ][l] {
			t.Errorf("%s packages in layers %v, want only %d (COPY to %s)", typ, layerOf[typ], l, dest)
		}
	}
	// Ruby, PHP, Rust and .NET are copied to "/" by one COPY each, in that
	// order, after the others.
	prev := copyLayer("/opt/app/lib/")
	for _, typ := range []string{inventory.TypeGem, inventory.TypeComposer, inventory.TypeCargo, inventory.TypeNuGet} {
		var l int
		for l = range layerOf[typ] {
		}
		if len(layerOf[typ]) != 1 || l <= prev {
			t.Errorf("%s packages in layers %v, want one layer after %d", typ, layerOf[typ], prev)
		}
		prev = l
	}
	if len(layerOf[inventory.TypeDeb]) != 2 || !layerOf[inventory.TypeDeb][0] || !layerOf[inventory.TypeDeb][1] {
		t.Errorf("deb packages in layers %v, want 0 and 1", layerOf[inventory.TypeDeb])
	}
	// What dpkg owns is reported once, as the deb.
	for _, p := range inv.Packages {
		if p.Type == inventory.TypeDeb {
			continue
		}
		for _, l := range p.Locations {
			if strings.HasPrefix(l, "/usr/share/") || strings.HasPrefix(l, "/usr/lib/") {
				t.Errorf("%s %s reported from an OS-owned file %s", p.Type, p.Name, l)
			}
		}
	}
}

// cargoTruth: the crates of the auditable binary (the dependency list
// make-auditable.sh derived from `cargo metadata`) and the [[package]]
// entries of the Cargo.lock cargo wrote, read line by line.
func cargoTruth(t *testing.T) []string {
	b, err := os.ReadFile("../catalog/rust/testdata/auditdemo.dep-v0.json")
	if err != nil {
		t.Fatal(err)
	}
	var audit struct {
		Packages []struct{ Name, Version string } `json:"packages"`
	}
	if err := json.Unmarshal(b, &audit); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range audit.Packages {
		seen[p.Name+" "+p.Version] = true
	}
	var name string
	for _, f := range fieldsOf(t, "../catalog/rust/testdata/project/Cargo.lock") {
		if len(f) == 3 && f[1] == "=" && (f[0] == "name" || f[0] == "version") {
			v := strings.Trim(f[2], `"`)
			if f[0] == "name" {
				name = v
			} else if name != "" { // not the lock format's own version
				seen[name+" "+v] = true
			}
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	return out
}

// goldenPackages reads "name version" from a cataloger's golden file.
func goldenPackages(t *testing.T, name string) []string {
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []inventory.Package
	if err := json.Unmarshal(b, &pkgs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	return out
}

// dpkgInImage asks dpkg inside the image: "name version" of every
// installed package.
func dpkgInImage(t *testing.T, ref string) []string {
	out, err := exec.Command("docker", "run", "--rm", "--network", "none", ref,
		"dpkg-query", "-W", "-f", "${db:Status-Status} ${Package} ${Version}\n").Output()
	if err != nil {
		t.Fatalf("docker run %s dpkg-query: %v", ref, err)
	}
	var pkgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if status, rest, _ := strings.Cut(line, " "); status == "installed" {
			pkgs = append(pkgs, rest)
		}
	}
	return pkgs
}

// npmLs flattens the tree `npm ls --all --json` printed for the installed
// node_modules (catalog/javascript/testdata).
func npmLs(t *testing.T) []string {
	b, err := os.ReadFile("../catalog/javascript/testdata/project/npm-ls.json")
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		Version      string           `json:"version"`
		Dependencies map[string]*node `json:"dependencies"`
	}
	var root node
	if err := json.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(map[string]*node)
	walk = func(deps map[string]*node) {
		for name, n := range deps {
			seen[name+" "+n.Version] = true
			walk(n.Dependencies)
		}
	}
	walk(root.Dependencies)
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	return out
}

// goappModules: the fixture program's requirements, its main module
// (without a version: built outside version control) and the toolchain.
func goappModules(t *testing.T) []string {
	b, err := os.ReadFile(filepath.Join("testdata", "lang", "goapp", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{f.Module.Mod.Path + " ", "stdlib v" + strings.TrimPrefix(runtime.Version(), "go")}
	for _, r := range f.Require {
		out = append(out, r.Mod.Path+" "+r.Mod.Version)
	}
	return out
}

// checkMaven compares the Java packages with the coordinates Debian's own
// Maven repository gives each jar (catalog/java/testdata/root.maven-repo.txt;
// a jar with two there is an alias). A jar that carries pom.properties must
// be reported under one of its coordinates exactly; one that does not (its
// group is not in the archive) by its artifactId.
func checkMaven(t *testing.T, pkgs []inventory.Package) {
	coords := map[string][]string{} // jar -> "group:artifact version"
	for _, f := range fieldsOf(t, "../catalog/java/testdata/root.maven-repo.txt") {
		i := strings.LastIndexByte(f[1], ':')
		coords[f[0]] = append(coords[f[0]], f[1][:i]+" "+f[1][i+1:])
	}
	found := map[string]bool{}
	for _, p := range pkgs {
		if p.Type != inventory.TypeMaven {
			continue
		}
		if len(p.Locations) != 1 {
			t.Errorf("maven %s: locations %q, want one jar", p.Name, p.Locations)
			continue
		}
		jar := filepath.Base(p.Locations[0])
		found[jar] = true
		want := coords[jar]
		switch {
		case len(want) == 0:
			t.Errorf("maven %s %s from %s: not a jar of the fixture", p.Name, p.Version, jar)
		case strings.Contains(p.Name, ":"):
			if !slices.Contains(want, p.Name+" "+p.Version) {
				t.Errorf("maven %s %s from %s, want one of %q", p.Name, p.Version, jar, want)
			}
		default:
			group, artifact, _ := strings.Cut(strings.Fields(want[0])[0], ":")
			if p.Name != artifact {
				t.Errorf("maven %s from %s (no pom.properties), want artifactId %s (group %s)", p.Name, jar, artifact, group)
			}
		}
	}
	for jar := range coords {
		// slf4j-api-1.7.32.jar is a link to slf4j-api.jar: one package.
		if !found[jar] && jar != "slf4j-api-1.7.32.jar" {
			t.Errorf("maven: nothing reported for %s (%q)", jar, coords[jar])
		}
	}
}

// fields returns "field[a] field[b]" of the lines of a truth file whose
// first field is prefix (all lines if prefix is empty).
func fields(t *testing.T, name, prefix string, a, b int) []string {
	var out []string
	for _, f := range fieldsOf(t, name) {
		if prefix == "" || f[0] == prefix {
			out = append(out, f[a]+" "+f[b])
		}
	}
	return out
}

func fieldsOf(t *testing.T, name string) [][]string {
	fh, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out [][]string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// TestHistoryRedacted: a build argument named like a password reaches the
// history of the RUN steps after it; the inventory (and so every SBOM and
// report) carries the step with the value redacted.
func TestHistoryRedacted(t *testing.T) {
	layer := testimage.LayerTar(testimage.File{Name: "etc/os-release", Body: []byte("ID=debian\nVERSION_ID=12\n")})
	img := testimage.Image(t, [][]byte{layer}, []string{"|1 DB_PASSWORD=correct-horse-battery-staple /bin/sh -c make install"})
	inv, err := scan.Inventory(context.Background(), "docker-archive:"+testimage.WriteDockerArchive(t, img, "vigil.test/secret:1"), scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := inv.Layers[0].CreatedBy
	if strings.Contains(got, "correct-horse") || !strings.Contains(got, "DB_PASSWORD=") || !strings.Contains(got, "make install") {
		t.Errorf("layer 0 created by %q", got)
	}
}
