package secret

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vigil-dev/vigil/check"
	"github.com/vigil-dev/vigil/layerfs"
)

// Patterns select every file of every layer for the secret rules.
var Patterns = []string{"*", "**/*"}

// FilterName names Filter's reduction in layer cache keys; the version
// changes with the rules or the encoding.
const FilterName = "secret-v1"

// Filter is the layerfs filter that scans every text file while its layer
// streams and keeps only the redacted matches (encoded, see Decode), or
// nothing when a file holds no secret: the content is never kept, the
// layer cache stores only findings, and the matches of a file that a later
// layer deletes stay in the extract of the layer that added it.
//
// Add it to the scan's matcher after the catalogers' filters:
//
//	m, _ := catalog.Matcher(cats, osrelease.Patterns...)
//	m, _ = m.WithFilter(secret.Filter(opts))
//
// and call Check on the merged file system. Filters apply only where no
// plain pattern selects a file: the files a cataloger reads whole (a dpkg
// status, a package.json) keep their content, and Check scans them there.
// The files another filter accepts first are not scanned: ELF, PE and
// Mach-O executables in binary directories (catalog/executable) and Java
// archives, which are binary; archives and compressed files are never
// decompressed. Sniff rejects binary files (a NUL byte in the first
// 8 KiB); layerfs reads only the first opts.MaxFileSize bytes of a file
// of interest (the rest streams past unread), and those are scanned.
//
// The allow-list is not applied here (Check applies it), so that cached
// extracts do not depend on it.
func Filter(opts Options) layerfs.Filter {
	o := opts.withDefaults()
	o.Allow = Allow{}
	name := fmt.Sprintf("%s size=%d matches=%d", FilterName, o.MaxFileSize, o.MaxMatches)
	if len(opts.FingerprintKey) > 0 {
		id := sha256.Sum256(o.FingerprintKey)
		name += " key=" + hex.EncodeToString(id[:8])
	}
	return layerfs.Filter{
		Name:     name,
		Patterns: Patterns,
		Sniff:    func(head []byte) bool { return !IsBinary(head) },
		MaxRead:  o.MaxFileSize,
		Reduce: func(p string, data []byte) ([]byte, error) {
			ms := scan("/"+p, data, o)
			if len(ms) == 0 {
				return nil, nil
			}
			return Encode(ms), nil
		},
	}
}

// magic starts an encoded list of matches. Its NUL byte means that no text
// file kept whole can be taken for one: Check never scans binary content.
const magic = "\x00vigil secret matches 1\n"

// Encode writes matches as Filter keeps them: magic, then JSON.
func Encode(ms []Match) []byte {
	b, _ := json.Marshal(ms) // Match has only strings and ints
	return append([]byte(magic), b...)
}

// ErrNotEncoded is returned by Decode for data that Encode did not write.
var ErrNotEncoded = errors.New("not encoded secret matches")

// Decode reads what Encode wrote. It checks that every match names a
// known rule: the data may come from a cache or a hostile image.
func Decode(b []byte) ([]Match, error) {
	rest, ok := bytes.CutPrefix(b, []byte(magic))
	if !ok {
		return nil, ErrNotEncoded
	}
	var ms []Match
	if err := json.Unmarshal(rest, &ms); err != nil {
		return nil, fmt.Errorf("malformed secret matches: %w", err)
	}
	for _, m := range ms {
		if definition(m.RuleID) == nil || m.Line < 1 {
			return nil, fmt.Errorf("malformed secret matches: rule %q line %d", m.RuleID, m.Line)
		}
	}
	return ms, nil
}

// definition returns the check with the given ID, or nil.
func definition(id string) *check.Definition {
	for i := range Definitions {
		if Definitions[i].ID == id {
			return &Definitions[i]
		}
	}
	return nil
}
