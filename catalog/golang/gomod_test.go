package golang

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/internal/catalogtest"
	"github.com/vigil-dev/vigil/layerfs"
)

// TestGoModGolden catalogs real go.mod files (vigil's own, and one with
// every directive that changes what is reported); -update rewrites the
// golden files.
func TestGoModGolden(t *testing.T) {
	for _, name := range []string{"vigil.go.mod", "replace.go.mod"} {
		t.Run(name, func(t *testing.T) {
			fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
				file("src/go.mod", catalogtest.ReadTestdata(t, name)),
			}})
			pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			catalogtest.Golden(t, name+".golden.json", pkgs, *update)
		})
	}
}

func TestGoModModules(t *testing.T) {
	got, err := GoModModules("go.mod", catalogtest.ReadTestdata(t, "replace.go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Module{
		{Path: "example.com/Service", Main: true},
		{Path: "github.com/google/uuid", Version: "v1.3.0"}, // the replace is for v1.2.0 only
		{Path: "golang.org/x/text", Version: "v0.14.0", SourcePath: "golang.org/x/text", SourceVersion: "v0.3.7"},
		{Path: "golang.org/x/net", Version: "v0.17.0", Indirect: true},
		{Path: "github.com/myfork/errors", Version: "v0.9.2-fix", SourcePath: "github.com/pkg/errors", SourceVersion: "v0.9.1"},
		{Path: "example.com/internal/lib", SourcePath: "example.com/internal/lib", SourceVersion: "v0.0.0-00010101000000-000000000000"},
		{Path: "github.com/Azure/go-autorest", Version: "v14.2.0+incompatible", Indirect: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modules (-want +got):\n%s", diff)
	}
}

// TestGoModSkipped: go.mod files that describe no application of the
// image, and a malformed one, which is a warning.
func TestGoModSkipped(t *testing.T) {
	req := []byte("module example.com/m\n\nrequire golang.org/x/text v0.3.7\n")
	fsys := layerfs.Merge(&layerfs.Extract{Entries: []layerfs.Entry{
		file("root/go/pkg/mod/golang.org/x/text@v0.3.7/go.mod", req),
		file("go/pkg/mod/cache/download/golang.org/x/text/@v/go.mod", req),
		file("src/app/vendor/example.com/m/go.mod", req),
		file("src/app/internal/testdata/go.mod", req),
		file("usr/local/go/src/go.mod", []byte("module std\n\ngo 1.22\n\nrequire golang.org/x/crypto v0.16.1-0.20231129163542-152cdb1503eb\n")),
		file("usr/local/go/src/cmd/go.mod", []byte("module cmd\n\ngo 1.22\n\nrequire golang.org/x/mod v0.14.0\n")),
		file("src/broken/go.mod", []byte("module example.com/broken\n\nrequire golang.org/x/text 0.3.7\n")),
	}})
	pkgs, warnings := catalogtest.Run(t, New(), fsys, nil)
	if len(pkgs) != 0 {
		t.Errorf("packages: %v", pkgs)
	}
	if len(warnings) != 1 || warnings[0].Path != "/src/broken/go.mod" {
		t.Errorf("warnings = %+v, want one about /src/broken/go.mod", warnings)
	}
}
