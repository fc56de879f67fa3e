package vigiljson

import (
	"bytes"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

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
	if err := Encode(&b, inv); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	sbomtest.Golden(t, filepath.Join("testdata", "image.json"), encode(t, sbomtest.Inventory()), *update)
}

func TestRoundTrip(t *testing.T) {
	inv := sbomtest.Inventory()
	got, err := Decode(bytes.NewReader(encode(t, inv)), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inv, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

func TestEncodeFillsDefaults(t *testing.T) {
	inv := &inventory.Inventory{}
	out := encode(t, inv)
	for _, want := range []string{`"schemaVersion": "` + inventory.SchemaVersion + `"`, `"layers": []`, `"packages": []`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if inv.SchemaVersion != "" || inv.Layers != nil {
		t.Error("Encode modified its input")
	}
}

func TestDecodeVersions(t *testing.T) {
	for _, tc := range []struct {
		in          string
		unsupported bool
		ok          bool
	}{
		{in: `{"schemaVersion":"1.0.0","packages":[{"name":"a"}]}`, ok: true},
		{in: `{"schemaVersion":"1.7.0","packages":[],"newField":{"x":1}}`, ok: true},
		{in: `{"schemaVersion":"1","packages":[]}`, ok: true},
		{in: `{"schemaVersion":"2.0.0","packages":"changed shape"}`, unsupported: true},
		{in: `{"schemaVersion":"0.9.0"}`, unsupported: true},
		{in: `{"schemaVersion":"01.0.0"}`, unsupported: true},
		{in: `{"schemaVersion":"1.0.0-beta"}`, unsupported: true},
		{in: `{"schemaVersion":""}`, unsupported: true},
		{in: `{"packages":[]}`},
		{in: `{"schemaVersion":1}`},
		{in: `{"schemaVersion":"1.0.0","packages":{}}`},
		{in: `[]`},
		{in: ``},
	} {
		_, err := Decode(strings.NewReader(tc.in), DecodeOptions{})
		var uv *UnsupportedVersionError
		switch {
		case tc.ok && err != nil:
			t.Errorf("Decode(%s): %v", tc.in, err)
		case tc.unsupported && !errors.As(err, &uv):
			t.Errorf("Decode(%s): err = %v, want UnsupportedVersionError", tc.in, err)
		case !tc.ok && err == nil:
			t.Errorf("Decode(%s) succeeded", tc.in)
		}
	}
	err := (&UnsupportedVersionError{Version: "2.0.0"}).Error()
	if want := `vigiljson: unsupported schemaVersion "2.0.0": this vigil reads 1.x (inventory schema 1.0.0)`; err != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestDecodeLimit(t *testing.T) {
	doc := encode(t, sbomtest.Inventory())
	_, err := Decode(bytes.NewReader(doc), DecodeOptions{MaxBytes: int64(len(doc)) - 1})
	var tooLarge *limit.TooLargeError
	if !errors.As(err, &tooLarge) {
		t.Errorf("err = %v, want TooLargeError", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":"1.0.0","tool":{"name":"vigil"},"layers":[{"index":0}],"packages":[{"name":"a","layer":0}]}`))
	f.Add([]byte(`{"schemaVersion":"2.0.0"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		inv, err := Decode(bytes.NewReader(b), DecodeOptions{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		if major(inv.SchemaVersion) != major(inventory.SchemaVersion) {
			t.Errorf("accepted schemaVersion %q", inv.SchemaVersion)
		}
		// What was read can be written and read again, unchanged.
		var out bytes.Buffer
		if err := Encode(&out, inv); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(&out, DecodeOptions{})
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		// Empty and nil lists are the same document: omitempty drops
		// "licenses": [] (a fuzzer finding).
		if diff := cmp.Diff(inv, again, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("re-decode mismatch (-first +second):\n%s", diff)
		}
	})
}
