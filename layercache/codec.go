package layercache

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/vigil-dev/vigil/layerfs"
)

// The payload of an entry is a flat binary encoding of a layerfs.Extract:
//
//	header strings (DiffID, Digest, Compression), Size,
//	entry count, then per entry: Path, Type, Mode, Size, Link, flags
//	(Captured, Matched), Data if Captured,
//	warning count, then per warning: Path, Message
//
// strings and byte slices as a uvarint length and the bytes, integers as
// varints. encoding/gob took as long to decode a base-image entry as the
// rest of a warm scan together; this format decodes without copying:
// strings and file contents point into the payload, which the Extract keeps
// alive and nothing mutates. Entries are checksummed before decoding, so
// the decoder guards only against its own bugs and truncation.

func encodeExtract(ext *layerfs.Extract) []byte {
	n := 64
	for _, e := range ext.Entries {
		n += len(e.Path) + len(e.Link) + len(e.Data) + 32
	}
	b := make([]byte, 0, n)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(ext.DiffID)
	str(ext.Digest)
	str(ext.Compression)
	b = binary.AppendVarint(b, ext.Size)
	b = binary.AppendUvarint(b, uint64(len(ext.Entries)))
	for _, e := range ext.Entries {
		str(e.Path)
		b = append(b, byte(e.Type))
		b = binary.AppendVarint(b, e.Mode)
		b = binary.AppendVarint(b, e.Size)
		str(e.Link)
		var flags byte
		if e.Captured {
			flags |= flagCaptured
		}
		if e.Matched {
			flags |= flagMatched
		}
		b = append(b, flags)
		if e.Captured {
			b = binary.AppendUvarint(b, uint64(len(e.Data)))
			b = append(b, e.Data...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(ext.Warnings)))
	for _, w := range ext.Warnings {
		str(w.Path)
		str(w.Message)
	}
	return b
}

const (
	flagCaptured = 1 << iota
	flagMatched
)

var errTruncated = errors.New("truncated entry")

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) string() string {
	s := r.bytes()
	if len(s) == 0 {
		return ""
	}
	return unsafe.String(&s[0], len(s))
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = errTruncated
	}
	r.b = nil
}

func decodeExtract(payload []byte) (*layerfs.Extract, error) {
	r := &reader{b: payload}
	ext := &layerfs.Extract{DiffID: r.string(), Digest: r.string(), Compression: r.string(), Size: r.varint()}
	count := r.uvarint()
	// Each entry takes at least 7 bytes: a bound before allocating.
	if count > uint64(len(r.b))/7 {
		return nil, errTruncated
	}
	ext.Entries = make([]layerfs.Entry, count)
	for i := range ext.Entries {
		e := &ext.Entries[i]
		e.Path = r.string()
		e.Type = layerfs.EntryType(r.byte())
		e.Mode = r.varint()
		e.Size = r.varint()
		e.Link = r.string()
		flags := r.byte()
		e.Matched = flags&flagMatched != 0
		if flags&flagCaptured != 0 {
			e.Data, e.Captured = r.bytes(), true
		}
	}
	nw := r.uvarint()
	if nw > uint64(len(r.b))/2 {
		return nil, errTruncated
	}
	for range nw {
		ext.Warnings = append(ext.Warnings, layerfs.Warning{Path: r.string(), Message: r.string()})
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return ext, nil
}
