package ruby

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func readTestdata(t testing.TB, name string) []byte { return catalogtest.ReadTestdata(t, name) }

func golden(t *testing.T, name string, got any) { catalogtest.Golden(t, name, got, *update) }

// file builds a captured layer entry.
func file(p string, data []byte) layerfs.Entry {
	return layerfs.Entry{Path: p, Type: layerfs.TypeFile, Mode: 0o644, Size: int64(len(data)), Data: data, Captured: true}
}

func run(t testing.TB, c *Cataloger, fsys *layerfs.FS) ([]inventory.Package, []inventory.Warning) {
	t.Helper()
	return catalogtest.Run(t, c, fsys, nil)
}

// lines returns the lines of a testdata file.
func lines(t testing.TB, name string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(readTestdata(t, name))))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// orRuby returns the platform as RubyGems names it.
func orRuby(platform string) string {
	if platform == "" {
		return "ruby"
	}
	return platform
}

// rootFS extracts testdata/root the way a dir: scan does.
func rootFS(t testing.TB) *layerfs.FS {
	m, err := catalog.Matcher([]catalog.Cataloger{New()})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := layerfs.ExtractDir(context.Background(), "testdata/root", m, layerfs.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return layerfs.Merge(ext)
}

// TestInstalledMatchesRubyGems reads the real specifications of Debian's
// libruby3.1 (the bundled and default gems), ruby-rack, ruby-minitest,
// rake and ruby-json, and two written by `gem install` (one platform gem),
// and compares what it finds with what RubyGems itself loads from them
// (Gem::Specification.load, testdata/root.rubygems.txt).
func TestInstalledMatchesRubyGems(t *testing.T) {
	pkgs, warnings := run(t, New(), rootFS(t))
	if len(warnings) > 0 {
		t.Errorf("warnings on real specifications: %v", warnings)
	}
	var got []string
	for _, p := range pkgs {
		for _, loc := range p.Locations {
			platform := orRuby(p.Arch)
			got = append(got, fmt.Sprintf("%s %s %s %s %s", loc[1:], p.Name, p.Version, platform, strings.Join(p.Licenses, ",")))
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(lines(t, "root.rubygems.txt"), got); diff != "" {
		t.Errorf("cataloger differs from RubyGems (-want +got):\n%s", diff)
	}
	if len(got) != 91 {
		t.Errorf("%d specifications read, want 91 (70 of them default gems)", len(got))
	}
	golden(t, "installed.golden.json", pkgs)

	byName := map[string]inventory.Package{}
	for _, p := range pkgs {
		byName[p.Name+"@"+p.Version] = p
	}
	// rake 13.0.6 is both bundled with Ruby and packaged by Debian: one
	// package, two locations.
	if rake := byName["rake@13.0.6"]; len(rake.Locations) != 2 {
		t.Errorf("rake locations = %v", rake.Locations)
	}
	native := byName["hello-native@1.0.0"]
	if native.PURL != "pkg:gem/hello-native@1.0.0?platform=x86_64-linux" || native.Arch != "x86_64-linux" || native.Ecosystem != "RubyGems" || native.Type != inventory.TypeGem {
		t.Errorf("platform gem: %+v", native)
	}
	if cgi := byName["cgi@0.3.5"]; cgi.PURL != "pkg:gem/cgi@0.3.5" || !strings.Contains(cgi.Locations[0], "/specifications/default/") {
		t.Errorf("default gem cgi: %+v", cgi)
	}
	// The Gemfile.lock files of the rbs and typeprof sources are their
	// development locks: activesupport (steep's) is not installed.
	if p, ok := byName["activesupport@6.1.4.1"]; ok {
		t.Errorf("a lock file inside an installed gem was read: %+v", p)
	}
}

// TestGemfileLocksMatchBundler compares ParseGemfileLock with Bundler's
// own LockfileParser (testdata/locks.bundler.txt) on real lock files: two
// shipped in Debian's libruby3.1 and one written by Bundler 2.3.15, with
// GIT, PATH and GEM sources and a platform gem.
func TestGemfileLocksMatchBundler(t *testing.T) {
	source := map[string]string{"GEM": "Rubygems", "GIT": "Git", "PATH": "Path"}
	var got []string
	for _, name := range []string{
		"root/usr/lib/ruby/gems/3.1.0/gems/rbs-2.1.0/steep/Gemfile.lock",
		"root/usr/lib/ruby/gems/3.1.0/gems/typeprof-0.21.2/Gemfile.lock",
		"src/app/Gemfile.lock",
	} {
		locked, problems := ParseGemfileLock(readTestdata(t, name))
		if len(problems) > 0 {
			t.Errorf("%s: %v", name, problems)
		}
		for _, l := range locked {
			got = append(got, fmt.Sprintf("%s %s %s %s %s", name, l.Name, l.Version, orRuby(l.Platform), source[l.Source]))
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(lines(t, "locks.bundler.txt"), got); diff != "" {
		t.Errorf("ParseGemfileLock differs from Bundler (-want +got):\n%s", diff)
	}
}

// TestCatalogApp catalogs an application's Gemfile.lock next to the gems
// it installed: the gems both list are merged.
func TestCatalogApp(t *testing.T) {
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("srv/app/Gemfile.lock", readTestdata(t, "src/app/Gemfile.lock")),
		file("srv/app/Gemfile", readTestdata(t, "src/app/Gemfile")),
		file("usr/local/bundle/specifications/hello-native-1.0.0-x86_64-linux.gemspec",
			readTestdata(t, "root/usr/local/bundle/specifications/hello-native-1.0.0-x86_64-linux.gemspec")),
	}})
	pkgs, warnings := run(t, New(), fsys)
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	golden(t, "app.golden.json", pkgs)
	var purls []string
	for _, p := range pkgs {
		purls = append(purls, p.PURL)
		if p.Dev {
			t.Errorf("%s is Dev: Gemfile.lock does not record groups", p.Name)
		}
	}
	want := []string{
		"pkg:gem/gitgem@2.1.0?vcs_url=git%2Bfile:%2F%2F%2Ftmp%2Frp%2Fbuild%2Fgitgem%404a3f89336d9d9be37c372ef5f96fb10dbdf26a89",
		"pkg:gem/hello-native@1.0.0?platform=x86_64-linux",
		"pkg:gem/json@2.6.3",
		"pkg:gem/minitest@5.17.0",
		"pkg:gem/mylib@0.3.0.pre1",
		"pkg:gem/rack@2.2.22",
		"pkg:gem/rake@13.0.6",
	}
	if diff := cmp.Diff(want, purls); diff != "" {
		t.Errorf("PURLs (-want +got):\n%s", diff)
	}
	if n := pkgs[1].Locations; len(n) != 2 {
		t.Errorf("hello-native is in the lock file and installed: locations %v", n)
	}
}

func TestPatternsAndKinds(t *testing.T) {
	m, err := layerfs.NewMatcher(New().Patterns()...)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]kind{
		"usr/local/bundle/specifications/rack-3.0.8.gemspec":                               kindGemspec,
		"usr/lib/ruby/gems/3.1.0/specifications/default/cgi-0.3.5.gemspec":                 kindGemspec,
		"usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec":            kindGemspec,
		"app/vendor/bundle/ruby/3.2.0/specifications/nokogiri-1.15.4-x86_64-linux.gemspec": kindGemspec,
		"Gemfile.lock":               kindLock,
		"srv/app/Gemfile.lock":       kindLock,
		"srv/app/rack.gemspec":       kindNone, // a source tree's gemspec is arbitrary Ruby
		"srv/app/Gemfile":            kindNone,
		"specifications/a/b.gemspec": kindNone,
	} {
		if got := kindOf(p); got != want || m.Match(p) != (want != kindNone) {
			t.Errorf("%s: kind %v (want %v), matched %v", p, got, want, m.Match(p))
		}
	}
}

func TestParseGemspecForms(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Gemspec
		problems int
	}{
		{"Gem::Version", "Gem::Specification.new do |s|\n  s.name = 'old'\n  s.version = Gem::Version.new(\"1.2.3\")\nend\n",
			Gemspec{Name: "old", Version: "1.2.3"}, 0},
		{"license and receiver", "spec.name = %q{x}\nspec.name = \"x\"\nspec.version = \"1.0\"\nspec.license = \"MIT\".freeze\n",
			Gemspec{Name: "", Version: "1.0", Licenses: []string{"MIT"}}, 1},
		{"escapes", "s.name = \"caf\\u00E9\\\"s\"\ns.version = \"1\"\ns.licenses = [\"A\\u{1F600}\".freeze, 'B\\'s', \"C\\x41\\#{x}\"]\n",
			Gemspec{Name: "café\"s", Version: "1", Licenses: []string{"A\U0001F600", "B's", "CA#{x}"}}, 0},
		{"stub fallback", "# -*- encoding: utf-8 -*-\n# stub: nokogiri 1.15.4 x86_64-linux lib\n# stub: ext/x\n\ns.version = Nokogiri::VERSION\n",
			Gemspec{Name: "nokogiri", Version: "1.15.4", Platform: "x86_64-linux"}, 1},
		{"platform ruby", "s.name = \"a\"\ns.version = \"1\"\ns.platform = \"ruby\"\n", Gemspec{Name: "a", Version: "1"}, 0},
		{"not an array", "s.name = \"a\"\ns.version = \"1\"\ns.licenses = [\"MIT\" + x]\n", Gemspec{Name: "a", Version: "1"}, 1},
		{"unterminated", "s.name = \"a\n", Gemspec{}, 1},
		{"comparison", "s.name == \"a\"\n", Gemspec{}, 0},
	} {
		got, problems := ParseGemspec([]byte(tc.in))
		if diff := cmp.Diff(tc.want, got); diff != "" || len(problems) != tc.problems {
			t.Errorf("%s: (-want +got):\n%s problems %q", tc.name, diff, problems)
		}
	}
}

// TestLayers checks layer attribution: an installed gem belongs to the
// layer that wrote its specification, a locked one to the layer from
// which the lock file has listed it.
func TestLayers(t *testing.T) {
	rack := readTestdata(t, "root/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec")
	json := readTestdata(t, "root/usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/specifications/json-2.6.3.gemspec")
	minitest := readTestdata(t, "root/usr/share/rubygems-integration/all/specifications/minitest-5.17.0.gemspec")
	lock0 := "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.22)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n"
	lock1 := "GEM\n  remote: https://rubygems.org/\n  specs:\n    json (2.6.3)\n    rack (2.2.22)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  json\n  rack\n"
	home := "usr/local/bundle/specifications/"
	l0 := &layerfs.Extract{Entries: []layerfs.Entry{
		file(home+"rack-2.2.22.gemspec", rack),
		file(home+"minitest-5.17.0.gemspec", minitest),
		file("app/Gemfile.lock", []byte(lock0)),
	}}
	l1 := &layerfs.Extract{Entries: []layerfs.Entry{
		file(home+"json-2.6.3.gemspec", json),
		file("app/Gemfile.lock", []byte(lock1)),
		{Path: home + "minitest-5.17.0.gemspec", Type: layerfs.TypeWhiteout},
	}}
	pkgs, warnings := run(t, New(), layerfs.Merge(l0, l1))
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprintf("%s@%s layer %d %v", p.Name, p.Version, p.Layer, p.Locations))
	}
	want := []string{
		"json@2.6.3 layer 1 [/app/Gemfile.lock /usr/local/bundle/specifications/json-2.6.3.gemspec]",
		"rack@2.2.22 layer 0 [/app/Gemfile.lock /usr/local/bundle/specifications/rack-2.2.22.gemspec]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCatalogCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Catalog(ctx, rootFS(t), &catalog.Env{Warn: func(int, string, string) {}}); err == nil {
		t.Error("no error from a canceled context")
	}
}

// TestLockInsideGem: the lock files of installed gems' sources (a gem
// with its specification, a git checkout of Bundler's) are not read; one
// under a gems/ directory that is not a gem home is.
func TestLockInsideGem(t *testing.T) {
	lock := []byte("GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.22)\n")
	spec := readTestdata(t, "root/usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec")
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("usr/local/bundle/specifications/rake-13.0.6.gemspec", spec),
		file("usr/local/bundle/gems/rake-13.0.6/Gemfile.lock", lock),
		file("usr/local/bundle/bundler/gems/gitgem-4a3f89336d9d/Gemfile.lock", lock),
		file("srv/gems/tool/Gemfile.lock", lock),
	}})
	pkgs, _ := run(t, New(), fsys)
	var got []string
	for _, p := range pkgs {
		got = append(got, fmt.Sprint(p.Name, p.Locations))
	}
	if diff := cmp.Diff([]string{"rack[/srv/gems/tool/Gemfile.lock]", "rake[/usr/local/bundle/specifications/rake-13.0.6.gemspec]"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
