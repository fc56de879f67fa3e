// Package sbom names the formats vigil writes inventories in and dispatches
// to their encoders (sbom/cyclonedx, sbom/spdx, sbom/vigiljson,
// sbom/table), and reads any of the JSON ones back.
package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/cyclonedx"
	"github.com/vigil-dev/vigil/sbom/internal/limit"
	"github.com/vigil-dev/vigil/sbom/spdx"
	"github.com/vigil-dev/vigil/sbom/table"
	"github.com/vigil-dev/vigil/sbom/vigiljson"
)

// Format names.
const (
	CycloneDXJSON = "cyclonedx-json"
	SPDXJSON      = "spdx-json"
	JSON          = "json"
	Table         = "table"
)

// Formats returns the names of the formats Encode writes.
func Formats() []string {
	return []string{CycloneDXJSON, SPDXJSON, JSON, Table}
}

// UnknownFormatError reports a format name Encode does not know.
type UnknownFormatError struct {
	Format string
}

func (e *UnknownFormatError) Error() string {
	return fmt.Sprintf("unknown SBOM format %q (valid formats: %s)", e.Format, strings.Join(Formats(), ", "))
}

// Options controls encoding. The zero value is ready to use.
type Options struct {
	// Now returns the time documents are stamped with; time.Now when nil.
	Now func() time.Time
}

// Encode writes inv to w in the named format.
func Encode(w io.Writer, format string, inv *inventory.Inventory) error {
	return EncodeWith(w, format, inv, Options{})
}

// EncodeWith is Encode with options.
func EncodeWith(w io.Writer, format string, inv *inventory.Inventory, opts Options) error {
	switch format {
	case CycloneDXJSON:
		return cyclonedx.Encode(w, inv, cyclonedx.Options{Now: opts.Now})
	case SPDXJSON:
		return spdx.Encode(w, inv, spdx.Options{Now: opts.Now})
	case JSON:
		return vigiljson.Encode(w, inv)
	case Table:
		return table.Encode(w, inv)
	default:
		return &UnknownFormatError{Format: format}
	}
}

// DecodeOptions controls decoding. The zero value is ready to use.
type DecodeOptions struct {
	// MaxBytes is the largest document read; 512 MiB when zero or negative.
	MaxBytes int64
}

// Decode reads a CycloneDX JSON, SPDX 2 JSON or vigil JSON document,
// whichever r holds, and returns its inventory and the name of its format.
func Decode(r io.Reader, opts DecodeOptions) (*inventory.Inventory, string, error) {
	doc, err := io.ReadAll(limit.Reader(r, opts.MaxBytes))
	if err != nil {
		return nil, "", fmt.Errorf("sbom: %w", err)
	}
	var head struct {
		BOMFormat     any `json:"bomFormat"`
		SPDXVersion   any `json:"spdxVersion"`
		SchemaVersion any `json:"schemaVersion"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return nil, "", fmt.Errorf("sbom: not a JSON document: %w", err)
	}
	// The whole document is in memory: it has passed the limit.
	br := bytes.NewReader(doc)
	switch {
	case head.BOMFormat != nil:
		inv, err := cyclonedx.Decode(br, cyclonedx.DecodeOptions{MaxBytes: int64(len(doc)) + 1})
		return inv, CycloneDXJSON, err
	case head.SPDXVersion != nil:
		inv, err := spdx.Decode(br, spdx.DecodeOptions{MaxBytes: int64(len(doc)) + 1})
		return inv, SPDXJSON, err
	case head.SchemaVersion != nil:
		inv, err := vigiljson.Decode(br, vigiljson.DecodeOptions{MaxBytes: int64(len(doc)) + 1})
		return inv, JSON, err
	}
	return nil, "", errors.New("sbom: unrecognised document: not CycloneDX JSON (no bomFormat), SPDX 2 JSON (no spdxVersion) or vigil JSON (no schemaVersion)")
}
