package table

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/sbomtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Encode(&b, sbomtest.Inventory()); err != nil {
		t.Fatal(err)
	}
	sbomtest.Golden(t, filepath.Join("testdata", "image.txt"), b.Bytes(), *update)
}

func TestHostileValues(t *testing.T) {
	inv := &inventory.Inventory{
		Packages: []inventory.Package{
			{Name: "evil\x1b[2J\x1b[31mred", Version: strings.Repeat("9", 100), Type: "deb", SourceName: "src\u202etxt.exe", Layer: 7},
			{Name: "ok", Version: "1\t2\n3", Type: "deb", Layer: -1},
			{Name: "\xff\xfe", Version: "1"},
		},
	}
	var b bytes.Buffer
	if err := Encode(&b, inv); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\u202e\t") || !utf8.ValidString(out) {
		t.Errorf("output carries control characters or invalid UTF-8:\n%q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want header, 3 packages and a summary:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 160 {
			t.Errorf("line of %d characters: %s", n, l)
		}
	}
	if !strings.Contains(out, strings.Repeat("9", versionWidth-1)+"…") {
		t.Errorf("long version not cut:\n%s", out)
	}
	if got, want := lines[len(lines)-1], "3 packages, OS: unknown"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
