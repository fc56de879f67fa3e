package secret_test

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/vigil-dev/vigil/check/secret"
)

// FuzzScanBytes: any input is scanned without a panic; every match names
// a check, a line of the input and a short valid snippet; the encoding
// the layer filter keeps reads back as written.
func FuzzScanBytes(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string, data []byte) {
		ms := secret.ScanBytes(path, data, secret.Options{MaxMatches: 20})
		if len(ms) > 20 {
			t.Fatalf("%d matches over the limit", len(ms))
		}
		lines := bytes.Count(data, []byte{'\n'}) + 1
		ids := map[string]bool{}
		for _, d := range secret.Definitions {
			ids[d.ID] = true
		}
		for _, m := range ms {
			if !ids[m.RuleID] || m.Line < 1 || m.Line > lines || len(m.Snippet) > 160 || !utf8.ValidString(m.Snippet) || len(m.Digest) != 64 {
				t.Fatalf("bad match %+v", m)
			}
		}
		if len(ms) > 0 {
			back, err := secret.Decode(secret.Encode(ms))
			if err != nil || !reflect.DeepEqual(back, ms) {
				t.Fatalf("round trip: %v\n%+v\n%+v", err, ms, back)
			}
		}
	})
}

// FuzzDecode: the reduced form read back from a cache or a hostile file
// never panics, and what decodes re-encodes to the same matches.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := secret.Decode(b)
		if err != nil {
			return
		}
		back, err := secret.Decode(secret.Encode(ms))
		if err != nil || !reflect.DeepEqual(back, ms) {
			t.Fatalf("re-encoding: %v", err)
		}
	})
}
