package sbom

import (
	"bytes"
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/limit"
	"github.com/vigil-dev/vigil/sbom/internal/sbomtest"
)

// This package has no golden files; the flag is accepted so that
// "go test ./sbom/... -update" works.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

func TestFormats(t *testing.T) {
	want := []string{"cyclonedx-json", "spdx-json", "json", "table"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Errorf("Formats() = %q, want %q", got, want)
	}
	Formats()[0] = "changed"
	if Formats()[0] != "cyclonedx-json" {
		t.Error("Formats returns shared state")
	}
}

func TestEncodeEveryFormat(t *testing.T) {
	for _, f := range Formats() {
		var a, b bytes.Buffer
		opts := Options{Now: sbomtest.Now}
		if err := EncodeWith(&a, f, sbomtest.Inventory(), opts); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if err := EncodeWith(&b, f, sbomtest.Inventory(), opts); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if a.Len() == 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: empty or not deterministic output", f)
		}
		if err := Encode(&a, f, nil); err == nil {
			t.Errorf("%s: nil inventory accepted", f)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	err := Encode(&bytes.Buffer{}, "xml", sbomtest.Inventory())
	var uf *UnknownFormatError
	if !errors.As(err, &uf) || uf.Format != "xml" {
		t.Fatalf("err = %v, want UnknownFormatError", err)
	}
	if got, want := err.Error(), `unknown SBOM format "xml" (valid formats: cyclonedx-json, spdx-json, json, table)`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestDecodeDetects(t *testing.T) {
	inv := sbomtest.Inventory()
	for _, f := range []string{CycloneDXJSON, SPDXJSON, JSON} {
		var b bytes.Buffer
		if err := EncodeWith(&b, f, inv, Options{Now: sbomtest.Now}); err != nil {
			t.Fatal(err)
		}
		got, format, err := Decode(&b, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if format != f {
			t.Errorf("detected %s as %s", f, format)
		}
		type brief struct{ Name, Version, PURL string }
		var want, have []brief
		for _, p := range inv.Packages {
			want = append(want, brief{p.Name, p.Version, p.PURL})
		}
		for _, p := range got.Packages {
			have = append(have, brief{p.Name, p.Version, p.PURL})
		}
		if diff := cmp.Diff(want, have, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: packages differ (-want +got):\n%s", f, diff)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{``, `x`, `{}`, `{"name":"not an sbom"}`, `{"bomFormat":"CycloneDX","specVersion":"0.1"}`} {
		if _, _, err := Decode(strings.NewReader(in), DecodeOptions{}); err == nil {
			t.Errorf("Decode(%q) succeeded", in)
		}
	}
	_, _, err := Decode(strings.NewReader(`{"schemaVersion":"1.0.0"}`), DecodeOptions{MaxBytes: 10})
	var tooLarge *limit.TooLargeError
	if !errors.As(err, &tooLarge) {
		t.Errorf("err = %v, want TooLargeError", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, format := range []string{CycloneDXJSON, SPDXJSON, JSON} {
		var b bytes.Buffer
		inv := &inventory.Inventory{
			Source:   inventory.Source{Name: "x"},
			OS:       &inventory.OS{ID: "alpine", VersionID: "3.20.3"},
			Layers:   []inventory.Layer{{Index: 0, DiffID: "sha256:00"}},
			Packages: []inventory.Package{{Name: "busybox", Version: "1.36.1-r29", Type: "apk", PURL: "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3", Licenses: []string{"GPL-2.0-only"}}},
		}
		if err := EncodeWith(&b, format, inv, Options{Now: sbomtest.Now}); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		inv, format, err := Decode(bytes.NewReader(b), DecodeOptions{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		if !slices.Contains(Formats(), format) {
			t.Errorf("format %q", format)
		}
		for _, f := range Formats() {
			if err := EncodeWith(&bytes.Buffer{}, f, inv, Options{Now: sbomtest.Now}); err != nil {
				t.Errorf("re-encode as %s: %v", f, err)
			}
		}
	})
}
