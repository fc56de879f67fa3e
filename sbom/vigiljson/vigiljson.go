// Package vigiljson reads and writes vigil's own JSON format: the
// inventory.Inventory as it is, indented by two spaces, versioned by its
// schemaVersion (inventory.SchemaVersion).
//
// A reader accepts any document of its own major schema version, so a newer
// minor version (fields added) is read, the new fields ignored; a document
// of another major version is refused with an error that names both
// versions.
package vigiljson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vigil-dev/vigil/inventory"
	"github.com/vigil-dev/vigil/sbom/internal/limit"
)

// Encode writes inv to w. An empty SchemaVersion is written as the current
// inventory.SchemaVersion, and nil layer and package lists as empty ones;
// inv itself is not modified.
func Encode(w io.Writer, inv *inventory.Inventory) error {
	if inv == nil {
		return errors.New("vigiljson: nil inventory")
	}
	out := *inv
	if out.SchemaVersion == "" {
		out.SchemaVersion = inventory.SchemaVersion
	}
	if out.Layers == nil {
		out.Layers = []inventory.Layer{}
	}
	if out.Packages == nil {
		out.Packages = []inventory.Package{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("failed to write vigil JSON: %w", err)
	}
	return nil
}

// DecodeOptions controls decoding. The zero value is ready to use.
type DecodeOptions struct {
	// MaxBytes is the largest document read; 512 MiB when zero or negative.
	MaxBytes int64
}

// UnsupportedVersionError reports a document of a schema version this
// vigil cannot read.
type UnsupportedVersionError struct {
	Version string
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("vigiljson: unsupported schemaVersion %q: this vigil reads %s.x (inventory schema %s)",
		e.Version, major(inventory.SchemaVersion), inventory.SchemaVersion)
}

// Decode reads a vigil JSON inventory.
func Decode(r io.Reader, opts DecodeOptions) (*inventory.Inventory, error) {
	var raw json.RawMessage
	if err := limit.DecodeJSON(r, opts.MaxBytes, &raw); err != nil {
		var tooLarge *limit.TooLargeError
		if errors.As(err, &tooLarge) {
			return nil, fmt.Errorf("vigiljson: %w", err)
		}
		return nil, fmt.Errorf("vigiljson: not a valid JSON document: %w", err)
	}
	// Check the version before the rest: another major version may not
	// even have the same shape.
	var head struct {
		SchemaVersion *string `json:"schemaVersion"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("vigiljson: not a vigil inventory: %w", err)
	}
	if head.SchemaVersion == nil {
		return nil, errors.New("vigiljson: not a vigil inventory (no schemaVersion)")
	}
	if v := *head.SchemaVersion; !validVersion(v) || major(v) != major(inventory.SchemaVersion) {
		return nil, &UnsupportedVersionError{Version: v}
	}
	var inv inventory.Inventory
	if err := json.Unmarshal(raw, &inv); err != nil {
		return nil, fmt.Errorf("vigiljson: malformed inventory: %w", err)
	}
	return &inv, nil
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// validVersion accepts "1", "1.2" and "1.2.3" (numbers without signs).
func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, "+-") {
			return false
		}
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return false
		}
	}
	return true
}
