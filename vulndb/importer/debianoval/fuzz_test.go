package debianoval

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vigil-dev/vigil/vulndb/osv"
)

// FuzzRead feeds arbitrary documents to Read: it must return records or an
// error, never panic, and every record must be well formed. Seeds are in
// testdata/fuzz/FuzzRead (cuts of the real file).
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc []byte) {
		if len(doc) > 64<<10 {
			return
		}
		_, err := Read(context.Background(), bytes.NewReader(doc), func(v *osv.Vulnerability) error {
			if !strings.HasPrefix(v.ID, "DEBIAN-OVAL-") || len(v.Aliases) != 1 || len(v.Affected) != 1 ||
				!strings.HasPrefix(v.Affected[0].Package.Ecosystem, "Debian:") || v.Affected[0].Package.Name == "" {
				t.Fatalf("malformed record %+v", v)
			}
			return nil
		})
		_ = err // errors are expected for most inputs
	})
}
