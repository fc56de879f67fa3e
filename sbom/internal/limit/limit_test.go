package limit

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// This package has no golden files; the flag is accepted so that
// "go test ./sbom/... -update" works.
var _ = flag.Bool("update", false, "rewrite golden files (none here)")

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		in      string
		n       int64
		tooBig  bool
		wantOut string
	}{
		{in: "", n: 4, wantOut: ""},
		{in: "abcd", n: 4, wantOut: "abcd"},
		{in: "abc", n: 4, wantOut: "abc"},
		{in: "abcde", n: 4, tooBig: true},
	} {
		got, err := io.ReadAll(Reader(strings.NewReader(tc.in), tc.n))
		var tl *TooLargeError
		if tc.tooBig {
			if !errors.As(err, &tl) || tl.Limit != tc.n {
				t.Errorf("%q/%d: err = %v, want TooLargeError", tc.in, tc.n, err)
			}
			continue
		}
		if err != nil || string(got) != tc.wantOut {
			t.Errorf("%q/%d: got %q, %v", tc.in, tc.n, got, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	if got, want := (&TooLargeError{Limit: DefaultMaxBytes}).Error(), "document is larger than the limit of 512 MiB"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := (&TooLargeError{Limit: 10}).Error(), "document is larger than the limit of 10 bytes"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDecodeJSON(t *testing.T) {
	var v map[string]int
	if err := DecodeJSON(strings.NewReader(`{"a":1}`+"\n\n"), 9, &v); err != nil || v["a"] != 1 {
		t.Errorf("at the limit: %v, %v", v, err)
	}
	var tl *TooLargeError
	if err := DecodeJSON(strings.NewReader(`{"a":1}`+"\n\n"), 8, &v); !errors.As(err, &tl) {
		t.Errorf("trailing space over the limit: err = %v, want TooLargeError", err)
	}
	for _, in := range []string{``, `   `, `{"a":1} {"a":2}`, `{"a":1} x`, `{"a":`} {
		if err := DecodeJSON(strings.NewReader(in), 0, &v); err == nil {
			t.Errorf("DecodeJSON(%q) succeeded", in)
		}
	}
}
