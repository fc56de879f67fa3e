package kubernetes

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheck feeds arbitrary manifests to Check: it must never panic, must
// stay within its limits, must give a *ParseError or findings whose
// evidence points into the input, and, where the input decodes as pods,
// must agree with Pod Security Admission on every control.
func FuzzCheck(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("testdata/pss/*/*.yaml")
	for _, file := range append(seeds, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	opts := Limits{MaxBytes: 1 << 20, MaxDocuments: 100, MaxNodes: 50_000, MaxDepth: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, profile := range []Profile{Baseline, Restricted} {
			findings, err := Check("fuzz.yaml", bytes.NewReader(data), Options{Profile: profile, Limits: opts})
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.Line < 0 || pe.Line > lines {
					t.Fatalf("error %v (%T) is not a ParseError with a line in the input", err, err)
				}
				continue
			}
			for _, fd := range findings {
				if ev := fd.Evidence; ev.File != "fuzz.yaml" || ev.Layer != -1 || ev.Line < 1 || ev.Line > lines || ev.Object == "" {
					t.Fatalf("%s: bad evidence %+v", fd.CheckID, ev)
				}
			}
			// The oracle expands aliases without limits: leave it the
			// inputs without any.
			if bytes.ContainsRune(data, '*') {
				continue
			}
			pods, err := oraclePods(data)
			if err != nil {
				continue // not decodable as the oracle reads it
			}
			if m := psaMismatches(findings, pods, profile); len(m) > 0 {
				t.Fatalf("disagreement with Pod Security Admission:\n%s", strings.Join(m, "\n"))
			}
		}
	})
}
