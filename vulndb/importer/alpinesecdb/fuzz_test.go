package alpinesecdb

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// FuzzRead feeds arbitrary documents to Read: it must return records or an
// error, never panic, and every record must be well formed. Seeds are in
// testdata/fuzz/FuzzRead (real secdb files and cuts of them).
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 64<<10 {
			return
		}
		_, err := Read(context.Background(), bytes.NewReader(doc), func(v *osv.Vulnerability) error {
			if !strings.HasPrefix(v.ID, "ALPINE-") || len(v.Upstream) != 1 || len(v.Affected) == 0 {
				t.Fatalf("malformed record %+v", v)
			}
			for _, a := range v.Affected {
				if !strings.HasPrefix(a.Package.Ecosystem, "Alpine:") || a.Package.Name == "" || a.Ranges[0].Events[1].Fixed == "" {
					t.Fatalf("malformed affected entry %+v", a)
				}
			}
			return nil
		})
		_ = err // errors are expected for most inputs
	})
}
