package catalog_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-dev/vigil/catalog"
	"github.com/vigil-dev/vigil/catalog/dpkg"
	"github.com/vigil-dev/vigil/catalog/javascript"
	"github.com/vigil-dev/vigil/catalog/python"
	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/internal/testimage"
	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/layerfs"
)

// TestRunHidesOSOwned: Debian's python3-six owns its egg-info, and a Debian
// package ships a package-lock.json; neither is reported again as a
// language package, while the same npm package installed by the
// application is, with the application's location and layer only.
func TestRunHidesOSOwned(t *testing.T) {
	status := "Package: python3-six\nStatus: install ok installed\nVersion: 1.16.0-4\nArchitecture: all\n\n" +
		"Package: ruby-typeprof\nStatus: install ok installed\nVersion: 0.21.2-1\nArchitecture: all\n\n"
	base := []testimage.File{
		{Name: "var/lib/dpkg/status", Body: []byte(status)},
		{Name: "var/lib/dpkg/info/python3-six.list", Body: []byte("/usr/lib/python3/dist-packages/six-1.16.0.egg-info\n/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO\n")},
		{Name: "var/lib/dpkg/info/ruby-typeprof.list", Body: []byte("/usr/lib/ruby/vendor_ruby/typeprof/vscode/package-lock.json\n")},
		{Name: "usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", Body: []byte("Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n")},
		{Name: "usr/lib/ruby/vendor_ruby/typeprof/vscode/package-lock.json", Body: []byte(`{"lockfileVersion":3,"packages":{"":{"name":"vscode"},"node_modules/ms":{"version":"2.0.0"}}}`)},
	}
	app := []testimage.File{
		{Name: "app/node_modules/ms/package.json", Body: []byte(`{"name":"ms","version":"2.0.0"}`)},
		{Name: "usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA", Body: []byte("Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n")},
	}
	cats := []catalog.Cataloger{dpkg.New(), python.New(), javascript.New()}
	m, err := catalog.Matcher(cats)
	if err != nil {
		t.Fatal(err)
	}
	fsys := layerfs.New()
	for _, files := range [][]testimage.File{base, app} {
		fsys.Apply(catalogtest.Extract(t, m, files...))
	}
	var got []string
	pkgs, _ := catalogtest.RunAll(t, fsys, cats...)
	for _, p := range pkgs {
		got = append(got, p.Type+" "+p.Name+" "+slices.Concat(p.Locations)[0]+" "+strconv.Itoa(p.Layer))
	}
	want := []string{
		"deb python3-six /var/lib/dpkg/status 0",
		"deb ruby-typeprof /var/lib/dpkg/status 0",
		"npm ms /app/node_modules/ms/package.json 1",
		"pypi six /usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA 1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestMergeSame(t *testing.T) {
	pkgs := []inventory.Package{
		{Name: "itoa", Version: "1.0.1", Type: "cargo", PURL: "pkg:cargo/itoa@1.0.1", Layer: 3, Locations: []string{"/srv/app/Cargo.lock"}, Dev: true},
		{Name: "memchr", Version: "2.5.0", Type: "cargo", PURL: "pkg:cargo/memchr@2.5.0", Layer: 2},
		{Name: "itoa", Version: "1.0.1", Type: "cargo", PURL: "pkg:cargo/itoa@1.0.1", Layer: 2, Locations: []string{"/usr/local/bin/app"}, Licenses: []string{"MIT"}},
		{Name: "itoa", Version: "1.0.2", Type: "cargo", PURL: "pkg:cargo/itoa@1.0.2", Layer: 1},
	}
	got := catalog.MergeSame(pkgs)
	want := []inventory.Package{
		{Name: "itoa", Version: "1.0.1", Type: "cargo", PURL: "pkg:cargo/itoa@1.0.1", Layer: 2, Locations: []string{"/srv/app/Cargo.lock", "/usr/local/bin/app"}, Licenses: []string{"MIT"}},
		pkgs[1], pkgs[3],
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if pkgs[0].Layer != 3 || len(pkgs[0].Locations) != 1 {
		t.Error("MergeSame modified its input")
	}
}
