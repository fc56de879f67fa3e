package vulndb

import (
	"encoding/binary"
	"errors"
)

// storedValue is a record as stored: a flags byte, the source name as a
// uvarint length and bytes, then the record's compact JSON compressed with
// zstd. The flags and source come first so that they can be read without
// decompressing.
type storedValue struct {
	flags  byte
	source string
	zjson  []byte
}

func (v storedValue) append(buf []byte) []byte {
	buf = append(buf, v.flags)
	buf = binary.AppendUvarint(buf, uint64(len(v.source)))
	buf = append(buf, v.source...)
	return append(buf, v.zjson...)
}

var errBadValue = errors.New("malformed stored record")

func parseValue(b []byte) (storedValue, error) {
	if len(b) < 2 {
		return storedValue{}, errBadValue
	}
	n, w := binary.Uvarint(b[1:])
	if w <= 0 || n > uint64(len(b)-1-w) {
		return storedValue{}, errBadValue
	}
	src := b[1+w : 1+w+int(n)]
	return storedValue{flags: b[0], source: string(src), zjson: b[1+w+int(n):]}, nil
}
