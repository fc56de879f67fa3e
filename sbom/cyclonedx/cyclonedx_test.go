package cyclonedx

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/limit"
	"github.com/vigil-dev/vigil/sbom/internal/sbomtest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func encode(t *testing.T, inv *inventory.Inventory) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Encode(&b, inv, Options{Now: sbomtest.Now}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	out := encode(t, sbomtest.Inventory())
	sbomtest.Golden(t, filepath.Join("testdata", "image.cdx.json"), out, *update)
}

func TestSchema(t *testing.T) {
	sbomtest.Validate(t, sbomtest.CycloneDX16, encode(t, sbomtest.Inventory()))

	// A bare inventory (no OS, no layers, no names) must be valid too.
	bare := &inventory.Inventory{Packages: []inventory.Package{{Name: "x"}, {Name: "x"}}}
	sbomtest.Validate(t, sbomtest.CycloneDX16, encode(t, bare))
}

// TestSchemaCatchesErrors makes sure the validator is not vacuous.
func TestSchemaCatchesErrors(t *testing.T) {
	doc := encode(t, sbomtest.Inventory())
	for _, bad := range []struct{ from, to string }{
		{`"type": "container"`, `"type": "image"`},
		{`"id": "GPL-3.0-or-later"`, `"id": "GPL-3+"`},
		{`"specVersion": "1.6"`, `"specVersion": 1.6`},
		{`"timestamp": "2025-06-02T09:30:00Z"`, `"timestamp": "June 2nd"`},
	} {
		broken := bytes.Replace(doc, []byte(bad.from), []byte(bad.to), 1)
		if bytes.Equal(broken, doc) {
			t.Fatalf("%s not found in the document", bad.from)
		}
		if err := sbomtest.ValidateErr(sbomtest.CycloneDX16, broken); err == nil {
			t.Errorf("replacing %s with %s still validates", bad.from, bad.to)
		}
	}
}

// TestStructure checks what the schema cannot: bom-refs are unique and
// every dependency names a component.
func TestStructure(t *testing.T) {
	var doc struct {
		Metadata struct {
			Component struct {
				BOMRef string `json:"bom-ref"`
			} `json:"component"`
			Tools struct {
				Components []struct{ Type, Name, Version string } `json:"components"`
			} `json:"tools"`
		} `json:"metadata"`
		Components []struct {
			BOMRef string `json:"bom-ref"`
			Type   string `json:"type"`
		} `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	inv := sbomtest.Inventory()
	inv.Packages = append(inv.Packages, inv.Packages[0], inventory.Package{Name: "nopurl", Version: "1", Type: "deb"})
	if err := json.Unmarshal(encode(t, inv), &doc); err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{doc.Metadata.Component.BOMRef: true}
	for _, c := range doc.Components {
		if c.BOMRef == "" || refs[c.BOMRef] {
			t.Errorf("bom-ref %q empty or not unique", c.BOMRef)
		}
		refs[c.BOMRef] = true
	}
	if got, want := len(doc.Components), len(inv.Packages)+1; got != want {
		t.Errorf("%d components, want %d (packages and the OS)", got, want)
	}
	if len(doc.Dependencies) != 1 || doc.Dependencies[0].Ref != doc.Metadata.Component.BOMRef {
		t.Fatalf("dependencies = %+v, want one entry for the image", doc.Dependencies)
	}
	if got, want := len(doc.Dependencies[0].DependsOn), len(doc.Components); got != want {
		t.Errorf("image dependsOn %d components, want %d", got, want)
	}
	for _, d := range doc.Dependencies[0].DependsOn {
		if !refs[d] {
			t.Errorf("dependsOn %q names no component", d)
		}
	}
	if tc := doc.Metadata.Tools.Components; len(tc) != 1 || tc[0].Type != "application" || tc[0].Name != "vigil" || tc[0].Version != "0.4.0" {
		t.Errorf("tools.components = %+v", tc)
	}
}

func TestLicenses(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, `null`},
		{[]string{"MIT"}, `[{"license":{"id":"MIT","acknowledgement":"declared"}}]`},
		{[]string{"mit", "GPL-2+"}, `[{"license":{"id":"MIT","acknowledgement":"declared"}},{"license":{"name":"GPL-2+","acknowledgement":"declared"}}]`},
		{[]string{"MIT OR Apache-2.0"}, `[{"expression":"MIT OR Apache-2.0","acknowledgement":"declared"}]`},
		{[]string{"MIT OR Apache-2.0", "Zlib"}, `[{"expression":"(MIT OR Apache-2.0) AND Zlib","acknowledgement":"declared"}]`},
		{[]string{"MIT OR Apache-2.0", "public-domain"}, `[{"license":{"name":"MIT OR Apache-2.0","acknowledgement":"declared"}},{"license":{"name":"public-domain","acknowledgement":"declared"}}]`},
		{[]string{"", " "}, `null`},
	} {
		got, err := json.Marshal(licenses(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("licenses(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestLicenseListMatchesSchema guards against go-spdx and the CycloneDX
// schema drifting apart: every identifier go-spdx accepts as license.id must
// be in the schema's enumeration.
func TestLicenseListMatchesSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sbomtest.SchemaDir(), "spdx.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Enum []string `json:"enum"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	enum := map[string]bool{}
	for _, id := range schema.Enum {
		enum[id] = true
	}
	for _, id := range append(spdxlicenses.GetLicenses(), spdxlicenses.GetDeprecated()...) {
		if !enum[id] {
			t.Errorf("go-spdx knows %q but the CycloneDX schema does not", id)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	inv := sbomtest.Inventory()
	inv.Packages[len(inv.Packages)-1].Dev = true // a development dependency
	got, err := Decode(bytes.NewReader(encode(t, inv)), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := *inv
	// CycloneDX output leaves out the files a package owns and warnings.
	want.Packages = nil
	for _, p := range inv.Packages {
		p.Files = nil
		want.Packages = append(want.Packages, p)
	}
	want.Warnings = nil
	if diff := cmp.Diff(&want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeSyft(t *testing.T) {
	inv := decodeFile(t, "syft-image.cdx.json")
	want := []inventory.Package{
		{Name: "package-1", Version: "1.0.1", PURL: "a-purl-1", Licenses: []string{"MIT"}, Layer: -1, Locations: []string{"/somefile-1.txt"}},
		{Name: "package-2", Version: "2.0.1", SourceName: "package-2", SourceVersion: "2.0.1", PURL: "pkg:deb/debian/package-2@2.0.1", Type: "deb", Layer: -1, Locations: []string{"/somefile-2.txt"}},
	}
	if diff := cmp.Diff(want, inv.Packages, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&inventory.OS{ID: "debian", VersionID: "1.2.3", PrettyName: "debian"}, inv.OS); diff != "" {
		t.Errorf("OS mismatch (-want +got):\n%s", diff)
	}
	if inv.Tool != (inventory.Tool{Name: "syft", Version: "v0.42.0-bogus"}) || inv.Source.Name != "user-image-input" {
		t.Errorf("tool %+v, source %+v", inv.Tool, inv.Source)
	}
}

func TestDecodeTrivy(t *testing.T) {
	inv := decodeFile(t, "trivy-centos-7.cdx.json")
	want := []inventory.Package{
		{
			Name: "bash", Version: "4.2.46-31.el7", Type: "rpm", Arch: "x86_64",
			SourceName: "bash", SourceVersion: "4.2.46-31.el7",
			PURL:     "pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810",
			Licenses: []string{"GPLv3+"}, Layer: -1,
		},
		{
			Name: "openssl-libs", Version: "1.0.2k-16.el7", Type: "rpm", Arch: "x86_64",
			SourceName: "openssl", SourceVersion: "1:1.0.2k-16.el7",
			PURL:     "pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&distro=centos-7.6.1810",
			Licenses: []string{"OpenSSL+"}, Layer: -1,
		},
	}
	if diff := cmp.Diff(want, inv.Packages, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&inventory.OS{ID: "centos", VersionID: "7.6.1810"}, inv.OS); diff != "" {
		t.Errorf("OS mismatch (-want +got):\n%s", diff)
	}
	if inv.Tool != (inventory.Tool{Name: "trivy", Version: "dev"}) {
		t.Errorf("tool %+v", inv.Tool)
	}
	if got, want := inv.Source.ConfigDigest, "sha256:f1cb7c7d58b73eac859c395882eec49d50651244e342cd6c68a5c7809785f427"; got != want {
		t.Errorf("config digest %q, want %q", got, want)
	}
}

func decodeFile(t *testing.T, name string) *inventory.Inventory {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "external", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inv, err := Decode(f, DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestDecodeErrors(t *testing.T) {
	doc := encode(t, sbomtest.Inventory())
	_, err := Decode(bytes.NewReader(doc), DecodeOptions{MaxBytes: int64(len(doc)) - 1})
	var tooLarge *limit.TooLargeError
	if !errors.As(err, &tooLarge) {
		t.Errorf("over the limit: err = %v, want a TooLargeError", err)
	}
	if _, err := Decode(bytes.NewReader(doc), DecodeOptions{MaxBytes: int64(len(doc))}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	for _, in := range []string{
		``,
		`[]`,
		`{"bomFormat":"SPDX","specVersion":"1.6"}`,
		`{"bomFormat":"CycloneDX","specVersion":"9.9"}`,
		`{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}}`,
	} {
		if _, err := Decode(strings.NewReader(in), DecodeOptions{}); err == nil {
			t.Errorf("Decode(%s) succeeded", in)
		}
	}
}

func TestDecodeHostileLayers(t *testing.T) {
	in := `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"container","name":"x","properties":[
		{"name":"vigil:image:layer:999999999:diffID","value":"sha256:a"},
		{"name":"vigil:image:layer:-1:diffID","value":"sha256:b"},
		{"name":"vigil:image:layer:2:diffID","value":"sha256:c"}]}},
		"components":[{"type":"library","name":"p","properties":[{"name":"vigil:layer:index","value":"99999999999"},{"name":"vigil:layer:diffID","value":"sha256:c"}]}]}`
	inv, err := Decode(strings.NewReader(in), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Layers) != 3 || inv.Layers[2].DiffID != "sha256:c" {
		t.Errorf("layers = %+v, want three with the last one set", inv.Layers)
	}
	if len(inv.Packages) != 1 || inv.Packages[0].Layer != 2 {
		t.Errorf("packages = %+v, want one in layer 2 (found by diffID)", inv.Packages)
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"syft-image.cdx.json", "trivy-centos-7.cdx.json"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "external", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		inv, err := Decode(bytes.NewReader(b), DecodeOptions{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		for _, p := range inv.Packages {
			if p.Layer < -1 || p.Layer >= maxLayers {
				t.Errorf("package %q has layer %d", p.Name, p.Layer)
			}
		}
		if len(inv.Layers) > maxLayers {
			t.Errorf("%d layers", len(inv.Layers))
		}
		// Whatever was decoded can be encoded again.
		var out bytes.Buffer
		if err := Encode(&out, inv, Options{Now: sbomtest.Now}); err != nil {
			t.Errorf("re-encode: %v", err)
		}
	})
}
