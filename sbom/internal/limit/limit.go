// Package limit bounds how many bytes a decoder reads from a document, so
// that a hostile or broken SBOM cannot make vigil read or allocate without
// end.
package limit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxBytes is the largest document the decoders read unless told
// otherwise: 512 MiB, far above any real SBOM (a full Debian desktop is a few
// MiB of CycloneDX).
const DefaultMaxBytes int64 = 512 << 20

// TooLargeError reports a document larger than the limit.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("document is larger than the limit of %s", formatBytes(e.Limit))
}

func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Reader returns a reader that reads from r and fails with a *TooLargeError
// as soon as r holds more than n bytes. A document of exactly n bytes is
// read whole. A non-positive n means DefaultMaxBytes.
func Reader(r io.Reader, n int64) io.Reader {
	if n <= 0 {
		n = DefaultMaxBytes
	}
	return &reader{r: r, left: n, limit: n}
}

type reader struct {
	r     io.Reader
	left  int64
	limit int64
}

func (l *reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.left <= 0 {
		// Probe for one more byte: EOF exactly at the limit is fine.
		var b [1]byte
		n, err := l.r.Read(b[:])
		if n > 0 {
			return 0, &TooLargeError{Limit: l.limit}
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// DecodeJSON decodes the single JSON value that r holds into v, reading at
// most maxBytes (DefaultMaxBytes when not positive). It fails with a
// *TooLargeError when r holds more, even if the value ends before the
// limit, and with an error when anything but white space follows the value.
func DecodeJSON(r io.Reader, maxBytes int64, v any) error {
	dec := json.NewDecoder(Reader(r, maxBytes))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty document")
		}
		return err
	}
	// Read to the end: the whole document counts against the limit.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *TooLargeError
		if errors.As(err, &tooLarge) {
			return err
		}
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}
