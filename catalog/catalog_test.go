package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-dev/vigil/inventory"
)

func TestDropOSOwned(t *testing.T) {
	pkgs := []inventory.Package{
		{Type: inventory.TypeDeb, Name: "python3-six", Files: []string{"/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO", "/usr/lib/python3/dist-packages/six.py"}},
		{Type: inventory.TypePyPI, Name: "six", Locations: []string{"/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO"}},
		{Type: inventory.TypePyPI, Name: "requests", Locations: []string{"/usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA"}},
		// found both in a Debian-owned place and in the app's lock: kept
		{Type: inventory.TypeNPM, Name: "x", Locations: []string{"/usr/share/nodejs/x/package.json", "/app/package-lock.json"}},
		{Type: inventory.TypeNPM, Name: "nolocation"},
	}
	var got []string
	for _, p := range DropOSOwned(pkgs) {
		got = append(got, p.Name)
	}
	if diff := cmp.Diff([]string{"python3-six", "requests", "x", "nolocation"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(pkgs) != 5 || pkgs[1].Name != "six" {
		t.Error("DropOSOwned modified its input")
	}
}
