package spdx

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

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
	sbomtest.Golden(t, filepath.Join("testdata", "image.spdx.json"), encode(t, sbomtest.Inventory()), *update)
}

func TestSchema(t *testing.T) {
	sbomtest.Validate(t, sbomtest.SPDX23, encode(t, sbomtest.Inventory()))
	bare := &inventory.Inventory{Packages: []inventory.Package{{Name: "x"}, {Name: "x"}}}
	sbomtest.Validate(t, sbomtest.SPDX23, encode(t, bare))
}

func TestSchemaCatchesErrors(t *testing.T) {
	doc := encode(t, sbomtest.Inventory())
	for _, bad := range []struct{ from, to string }{
		{`"primaryPackagePurpose": "OPERATING_SYSTEM"`, `"primaryPackagePurpose": "OPERATING-SYSTEM"`},
		{`"relationshipType": "CONTAINS"`, `"relationshipType": "HAS"`},
		{`"filesAnalyzed": false`, `"filesAnalyzed": "no"`},
	} {
		broken := bytes.Replace(doc, []byte(bad.from), []byte(bad.to), 1)
		if bytes.Equal(broken, doc) {
			t.Fatalf("%s not found in the document", bad.from)
		}
		if err := sbomtest.ValidateErr(sbomtest.SPDX23, broken); err == nil {
			t.Errorf("replacing %s with %s still validates", bad.from, bad.to)
		}
	}
}

// TestStructure checks what the SPDX JSON schema leaves to validators such
// as spdx-tools: identifier syntax, relationships between existing
// elements, license expressions with every LicenseRef defined, and a
// namespace that is an absolute URI without a fragment.
func TestStructure(t *testing.T) {
	inv := sbomtest.Inventory()
	// Duplicates and hostile strings.
	inv.Packages = append(inv.Packages, inv.Packages[0], inventory.Package{
		Name: "weird name/with:chars", Version: "1.0 beta", Type: "deb",
		Licenses: []string{"GPL 2 or later (see COPYING)", "GPL-2 or later (see COPYING)", "MIT OR Apache-2.0", "Zlib"},
	})
	inv.Source.Name = "registry.example.com:5000/team/app@sha256:abc"
	raw := encode(t, inv)
	sbomtest.Validate(t, sbomtest.SPDX23, raw)

	var doc v2_3.Document
	if err := spdxjson.ReadInto(bytes.NewReader(raw), &doc); err != nil {
		t.Fatalf("tools-golang cannot read the document back: %v", err)
	}
	var plain struct {
		Packages []struct {
			SPDXID          string `json:"SPDXID"`
			LicenseDeclared string `json:"licenseDeclared"`
		} `json:"packages"`
		Relationships []struct {
			A string `json:"spdxElementId"`
			B string `json:"relatedSpdxElement"`
		} `json:"relationships"`
		Extracted []struct {
			ID string `json:"licenseId"`
		} `json:"hasExtractedLicensingInfos"`
		Namespace string `json:"documentNamespace"`
	}
	if err := json.Unmarshal(raw, &plain); err != nil {
		t.Fatal(err)
	}
	idRE := regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.-]+$`)
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	for _, p := range plain.Packages {
		if !idRE.MatchString(p.SPDXID) || ids[p.SPDXID] {
			t.Errorf("SPDXID %q malformed or not unique", p.SPDXID)
		}
		ids[p.SPDXID] = true
	}
	if got, want := len(plain.Packages), len(inv.Packages)+2; got != want {
		t.Errorf("%d packages, want %d", got, want)
	}
	contained := map[string]bool{}
	for _, r := range plain.Relationships {
		if !ids[r.A] || !ids[r.B] {
			t.Errorf("relationship %s -> %s names an unknown element", r.A, r.B)
		}
		contained[r.B] = true
	}
	for id := range ids {
		if id != "SPDXRef-DOCUMENT" && !contained[id] {
			t.Errorf("%s is in no relationship", id)
		}
	}
	refRE := regexp.MustCompile(`^LicenseRef-[A-Za-z0-9.-]+$`)
	defined := map[string]bool{}
	for _, l := range plain.Extracted {
		if !refRE.MatchString(l.ID) || defined[l.ID] {
			t.Errorf("licenseId %q malformed or not unique", l.ID)
		}
		defined[l.ID] = true
	}
	if len(defined) != 4 {
		// GPL-2+, public-domain, and the two GPL strings above, which
		// sanitise to the same identifier.
		t.Errorf("%d extracted licenses, want 4: %v", len(defined), defined)
	}
	for _, p := range plain.Packages {
		d := p.LicenseDeclared
		if d == "" || d == "NOASSERTION" {
			continue
		}
		if ok, bad := spdxexp.ValidateLicenses([]string{d}); !ok {
			t.Errorf("licenseDeclared %q of %s is not a valid SPDX expression: %v", d, p.SPDXID, bad)
		}
		for _, tok := range strings.FieldsFunc(d, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
			if strings.HasPrefix(tok, "LicenseRef-") && !defined[tok] {
				t.Errorf("%s is used but not defined", tok)
			}
		}
	}
	u, err := url.Parse(plain.Namespace)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(plain.Namespace, "#") || !strings.HasPrefix(plain.Namespace, NamespacePrefix) {
		t.Errorf("documentNamespace %q is not an absolute URI without fragment under %s", plain.Namespace, NamespacePrefix)
	}
}

func TestNamespaceUnique(t *testing.T) {
	inv := sbomtest.Inventory()
	ns := func(inv *inventory.Inventory, opts Options) string {
		doc, err := build(inv, opts)
		if err != nil {
			t.Fatal(err)
		}
		return doc.DocumentNamespace
	}
	a := ns(inv, Options{Now: sbomtest.Now})
	if b := ns(sbomtest.Inventory(), Options{Now: sbomtest.Now}); a != b {
		t.Errorf("namespace not deterministic: %s, %s", a, b)
	}
	if b := ns(inv, Options{}); a == b {
		t.Error("same namespace at another time")
	}
	inv.Packages = inv.Packages[1:]
	if b := ns(inv, Options{Now: sbomtest.Now}); a == b {
		t.Error("same namespace for another inventory")
	}
}

func TestRoundTrip(t *testing.T) {
	inv := sbomtest.Inventory()
	inv.Packages[len(inv.Packages)-1].Dev = true // a development dependency
	got, err := Decode(bytes.NewReader(encode(t, inv)), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		Name, Version, PURL, Type, Arch, SourceName, SourceVersion string
		Licenses                                                   []string
		Dev                                                        bool
	}
	summarize := func(ps []inventory.Package) []brief {
		var out []brief
		for _, p := range ps {
			out = append(out, brief{p.Name, p.Version, p.PURL, p.Type, p.Arch, p.SourceName, p.SourceVersion, p.Licenses, p.Dev})
		}
		return out
	}
	if diff := cmp.Diff(summarize(inv.Packages), summarize(got.Packages)); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	wantOS := &inventory.OS{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"}
	if diff := cmp.Diff(wantOS, got.OS); diff != "" {
		t.Errorf("OS mismatch (-want +got):\n%s", diff)
	}
	if got.Tool != inv.Tool || got.Source.Name != inv.Source.Name {
		t.Errorf("tool %+v source %+v", got.Tool, got.Source)
	}
	for _, p := range got.Packages {
		if p.Layer != -1 {
			t.Errorf("%s: layer %d, want -1 (unknown)", p.Name, p.Layer)
		}
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

func TestDecodeSyft(t *testing.T) {
	inv := decodeFile(t, "syft-image.spdx.json")
	want := []inventory.Package{
		{Name: "package-1", Version: "1.0.1", PURL: "a-purl-1", Licenses: []string{"MIT"}, Layer: -1},
		{Name: "package-2", Version: "2.0.1", SourceName: "package-2", SourceVersion: "2.0.1", PURL: "pkg:deb/debian/package-2@2.0.1", Type: "deb", Layer: -1},
	}
	if diff := cmp.Diff(want, inv.Packages, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("packages mismatch (-want +got):\n%s", diff)
	}
	if inv.Tool != (inventory.Tool{Name: "syft", Version: "v0.42.0-bogus"}) || inv.Source.Name != "user-image-input" {
		t.Errorf("tool %+v, source %+v", inv.Tool, inv.Source)
	}
}

func TestDecodeTrivy(t *testing.T) {
	inv := decodeFile(t, "trivy-centos-7.spdx.json")
	want := []inventory.Package{
		{
			Name: "bash", Version: "4.2.46", Type: "rpm", Arch: "x86_64",
			PURL:     "pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810",
			Licenses: []string{"GPLv3+"}, Layer: -1,
		},
		{
			Name: "openssl-libs", Version: "1:1.0.2k-19.el7", Type: "rpm", Arch: "x86_64",
			PURL:     "pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&distro=centos-7.6.1810",
			Licenses: []string{"OpenSSL"}, Layer: -1,
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
	if got, want := inv.Source.Name, "integration/testdata/fixtures/images/centos-7.tar.gz"; got != want {
		t.Errorf("source name %q, want %q", got, want)
	}
}

func TestTool(t *testing.T) {
	for _, tc := range []struct {
		creators []string
		want     inventory.Tool
	}{
		{[]string{"Organization: Anchore, Inc", "Tool: syft-1.18.1"}, inventory.Tool{Name: "syft", Version: "1.18.1"}},
		{[]string{"Tool: vigil-0.4.0"}, inventory.Tool{Name: "vigil", Version: "0.4.0"}},
		{[]string{"Tool: my-tool-v2.1"}, inventory.Tool{Name: "my-tool", Version: "v2.1"}},
		{[]string{"Tool: trivy-dev"}, inventory.Tool{Name: "trivy", Version: "dev"}},
		{[]string{"Tool: vigil"}, inventory.Tool{Name: "vigil"}},
		{[]string{"Tool:", "nonsense", "Person: x"}, inventory.Tool{}},
	} {
		if got := tool(tc.creators); got != tc.want {
			t.Errorf("tool(%q) = %+v, want %+v", tc.creators, got, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	doc := encode(t, sbomtest.Inventory())
	_, err := Decode(bytes.NewReader(doc), DecodeOptions{MaxBytes: int64(len(doc)) - 1})
	var tooLarge *limit.TooLargeError
	if !errors.As(err, &tooLarge) {
		t.Errorf("over the limit: err = %v, want a TooLargeError", err)
	}
	for _, in := range []string{
		``,
		`[]`,
		`{"bomFormat":"CycloneDX"}`,
		`{"spdxVersion":"SPDX-3.0"}`,
		`{"spdxVersion":"SPDX-2.3","packages":{}}`,
	} {
		if _, err := Decode(strings.NewReader(in), DecodeOptions{}); err == nil {
			t.Errorf("Decode(%s) succeeded", in)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"syft-image.spdx.json", "trivy-centos-7.spdx.json"} {
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
		var out bytes.Buffer
		if err := Encode(&out, inv, Options{Now: sbomtest.Now}); err != nil {
			t.Errorf("re-encode: %v", err)
		}
	})
}
