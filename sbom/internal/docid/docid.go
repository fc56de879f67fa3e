// Package docid derives the identifiers that SBOM formats want unique per
// document (CycloneDX serialNumber, SPDX documentNamespace) from what the
// document says and when it was made. Two documents made at different times
// or from different inventories get different identifiers; the same
// inventory encoded with the same clock gets the same one, which keeps
// golden files stable without a random source to inject.
package docid

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigil-dev/vigil/inventory"
)

// namespace is the RFC 4122 name space of vigil documents, as in RFC 4122
// section 4.3 (here: the URL name space's UUID, 6ba7b811-9dad-11d1-80b4-00c04fd430c8,
// with "vigil-sbom" appended to the name instead of a name space of its own).
const namespace = "\x6b\xa7\xb8\x11\x9d\xad\x11\xd1\x80\xb4\x00\xc0\x4f\xd4\x30\xc8vigil-sbom"

// UUID returns a version 5 UUID for the document of the given format made
// from inv at time t, in its canonical lower-case text form.
func UUID(format string, inv *inventory.Inventory, t time.Time) string {
	content, err := json.Marshal(inv)
	if err != nil {
		// Inventory holds only strings, numbers, bools and slices of them:
		// Marshal cannot fail. Fall back to the format and time anyway.
		content = nil
	}
	h := sha1.New()
	h.Write([]byte(namespace))
	h.Write([]byte(format))
	h.Write([]byte{0})
	h.Write([]byte(t.UTC().Format(time.RFC3339Nano)))
	h.Write([]byte{0})
	h.Write(content)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
