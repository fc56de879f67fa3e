package rust

import (
	"errors"
	"testing"
)

// The committed corpora (testdata/fuzz/Fuzz*) hold the real samples of
// testdata and hostile cases.

// checkCrates is what the parsers promise: crates that name a package.
func checkCrates(t *testing.T, crates []Crate, err error) {
	t.Helper()
	if err != nil && crates != nil {
		t.Fatal("crates with an error")
	}
	seen := map[string]bool{}
	for _, c := range crates {
		if !valid(c) || seen[c.key()] {
			t.Fatalf("invalid or duplicate crate %+v", c)
		}
		seen[c.key()] = true
		_ = PURL(c.Name, c.Version, c.Source)
	}
}

func FuzzCargoLock(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		crates, _, err := ParseCargoLock(data)
		checkCrates(t, crates, err)
	})
}

func FuzzAuditJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		crates, _, err := ParseAuditJSON(data)
		checkCrates(t, crates, err)
	})
}

// FuzzExecutable feeds arbitrary bytes to the executable reader: it must
// not panic (a recovered panic of debug/* is a finding too) nor return
// more than MaxAuditJSON bytes.
func FuzzExecutable(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := AuditJSON(data)
		if errors.Is(err, errPanic) {
			t.Fatal(err)
		}
		if len(out) > MaxAuditJSON || (err != nil && out != nil) {
			t.Fatalf("%d bytes, %v", len(out), err)
		}
	})
}
