package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// The checks in this file stand between a hostile database and go-rpmdb
// (v0.1.1), whose readers run in goroutines of their own: a panic there
// cannot be recovered by the caller and ends the process, and a loop there
// never ends. Reading its code found these, each reachable from a crafted
// file:
//
//   - BerkeleyDB: slice bounds panics from a page's entry count, from an
//     entry offset, and from the free-area offset of the last overflow page
//     (uint16 arithmetic wraps); an endless loop when an overflow chain
//     reaches a page that is not an overflow page; endless growth when a
//     chain is cyclic, or when many entries share one long chain.
//   - NDB: an allocation of any size a blob header claims (up to 4 GiB per
//     package), a blob read once per slot that names it, and a
//     fmt.Println of "bad slot magic" to standard output.
//   - Headers (in the caller's goroutine): an allocation of 16 bytes times
//     the claimed index length (up to 32 GiB) before that length is
//     checked, and a string scan (strtaglen) that does not stop when it
//     runs out of NUL bytes, so that a count of 4 billion makes it loop
//     for hours.
//
// Each check walks the same structure with the same arithmetic as
// go-rpmdb and rejects what would trip it, so that once a check passes,
// go-rpmdb's reader runs to its end without error. The checks also bound
// what a database can make vigil allocate: blobs may not overlap, and
// overflow pages may not be shared, so the content read is at most the
// size of the file.

var (
	errNotNDB = errors.New("not an NDB database")
	errNotBDB = errors.New("not a BerkeleyDB hash database")
)

// NDB layout constants (rpm's lib/backend/ndb/rpmpkg.c, as go-rpmdb reads
// it).
const (
	ndbHeaderMagic  = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic    = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic    = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbPageSize     = 4096
	ndbSlotSize     = 16
	ndbSlotsPerPage = ndbPageSize / ndbSlotSize
	ndbMaxSlotPages = 2048 // go-rpmdb refuses more
	ndbBlobHeader   = 16
)

// checkNDB validates an NDB Packages.db for go-rpmdb's ndb reader and
// returns the number of packages it holds.
func checkNDB(data []byte) (int, error) {
	le := binary.LittleEndian
	if len(data) < 32 || le.Uint32(data) != ndbHeaderMagic || le.Uint32(data[4:]) != 0 || le.Uint32(data[12:]) == 0 {
		return 0, errNotNDB
	}
	pages := int(le.Uint32(data[12:]))
	if pages > ndbMaxSlotPages {
		return 0, fmt.Errorf("NDB slot page count %d is over %d", pages, ndbMaxSlotPages)
	}
	if len(data) < pages*ndbPageSize {
		return 0, fmt.Errorf("NDB slot pages truncated: %d bytes for %d pages", len(data), pages)
	}
	type span struct{ start, end int64 }
	var blobs []span
	slots := pages*ndbSlotsPerPage - 2 // the header takes the first two
	for i := range slots {
		s := data[32+i*ndbSlotSize:]
		if le.Uint32(s) != ndbSlotMagic {
			return 0, fmt.Errorf("NDB slot %d: bad magic", i)
		}
		pkgIndex := le.Uint32(s[4:])
		if pkgIndex == 0 {
			continue
		}
		off := int64(le.Uint32(s[8:])) * ndbBlobHeader
		if off+ndbBlobHeader > int64(len(data)) {
			return 0, fmt.Errorf("NDB slot %d: blob offset %d is past the end of the file", i, off)
		}
		b := data[off:]
		if le.Uint32(b) != ndbBlobMagic || le.Uint32(b[4:]) != pkgIndex {
			return 0, fmt.Errorf("NDB slot %d: bad blob header", i)
		}
		end := off + ndbBlobHeader + int64(le.Uint32(b[12:]))
		if end > int64(len(data)) {
			return 0, fmt.Errorf("NDB slot %d: blob runs past the end of the file", i)
		}
		blobs = append(blobs, span{off, end})
		if len(blobs) > maxPackages {
			return 0, fmt.Errorf("more than %d packages", maxPackages)
		}
	}
	slices.SortFunc(blobs, func(a, b span) int { return int(a.start - b.start) })
	for i := 1; i < len(blobs); i++ {
		if blobs[i].start < blobs[i-1].end {
			return 0, errors.New("NDB blobs overlap")
		}
	}
	return len(blobs), nil
}

// BerkeleyDB constants (libdb's db_page.h, as go-rpmdb reads it).
const (
	bdbHashMagic       = 0x00061561
	bdbHashMagicBE     = 0x61150600
	bdbPageHeaderSize  = 26
	bdbMetadataPage    = 8
	bdbHashUnsorted    = 2
	bdbHashPage        = 13
	bdbOverflowPage    = 7
	bdbHashOffPage     = 3 // an entry whose value lives in overflow pages
	bdbHashOffPageSize = 12
)

// checkBDB validates a BerkeleyDB hash database (the Packages file of rpm
// before 4.16) for go-rpmdb's bdb reader and returns the number of values
// it will read.
func checkBDB(data []byte) (int, error) {
	if len(data) < 512 {
		return 0, errNotBDB
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(data[12:]) {
	case bdbHashMagic:
	case bdbHashMagicBE:
		order = binary.BigEndian
	default:
		return 0, errNotBDB
	}
	if data[24] != 0 {
		return 0, errors.New("encrypted BerkeleyDB database")
	}
	if data[25] != bdbMetadataPage {
		return 0, errNotBDB
	}
	pageSize := int64(order.Uint32(data[20:]))
	switch pageSize {
	case 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536:
	default:
		return 0, fmt.Errorf("BerkeleyDB page size %d is not valid", pageSize)
	}
	lastPage := int64(order.Uint32(data[32:]))
	if (lastPage+1)*pageSize > int64(len(data)) {
		return 0, fmt.Errorf("BerkeleyDB file truncated: %d pages of %d bytes claimed, %d bytes present", lastPage+1, pageSize, len(data))
	}

	values := 0
	used := map[int64]bool{} // overflow pages already part of a value
	for pageNo := int64(0); pageNo <= lastPage; pageNo++ {
		page := data[pageNo*pageSize : (pageNo+1)*pageSize]
		if t := page[25]; t != bdbHashUnsorted && t != bdbHashPage {
			continue
		}
		entries := order.Uint16(page[20:])
		if entries%2 != 0 {
			return 0, fmt.Errorf("BerkeleyDB page %d: odd entry count", pageNo)
		}
		// go-rpmdb computes the index end in uint16 and slices with it.
		indexEnd := uint16(bdbPageHeaderSize) + entries*2
		if indexEnd < bdbPageHeaderSize || int64(indexEnd) > pageSize {
			return 0, fmt.Errorf("BerkeleyDB page %d: entry index out of the page", pageNo)
		}
		index := page[bdbPageHeaderSize:indexEnd]
		for i := 2; i+2 <= len(index); i += 4 { // values are the odd entries
			v := order.Uint16(index[i:])
			if int64(v) >= pageSize {
				return 0, fmt.Errorf("BerkeleyDB page %d: entry offset %d out of the page", pageNo, v)
			}
			if page[v] != bdbHashOffPage {
				continue
			}
			if end := v + bdbHashOffPageSize; end < v || int64(end) > pageSize {
				return 0, fmt.Errorf("BerkeleyDB page %d: entry at %d runs out of the page", pageNo, v)
			}
			if err := checkBDBChain(data, order, pageSize, order.Uint32(page[v+4:]), used); err != nil {
				return 0, fmt.Errorf("BerkeleyDB page %d, entry at %d: %w", pageNo, v, err)
			}
			values++
			if values > maxPackages {
				return 0, fmt.Errorf("more than %d packages", maxPackages)
			}
		}
	}
	return values, nil
}

// checkBDBChain follows an overflow chain from page first the way go-rpmdb
// does, page offsets computed in uint32 as it computes them.
func checkBDBChain(data []byte, order binary.ByteOrder, pageSize int64, first uint32, used map[int64]bool) error {
	for cur := first; cur != 0; {
		start := int64(uint32(pageSize) * cur)
		if start+pageSize > int64(len(data)) {
			return fmt.Errorf("overflow page %d is past the end of the file", cur)
		}
		if used[start] {
			return fmt.Errorf("overflow page %d is used twice", cur)
		}
		used[start] = true
		page := data[start : start+pageSize]
		if page[25] != bdbOverflowPage {
			return fmt.Errorf("page %d in an overflow chain is not an overflow page", cur)
		}
		next := order.Uint32(page[16:])
		if next == 0 {
			if end := uint16(bdbPageHeaderSize) + order.Uint16(page[22:]); end < bdbPageHeaderSize || int64(end) > pageSize {
				return fmt.Errorf("overflow page %d: content length out of the page", cur)
			}
		}
		cur = next
	}
	return nil
}

// Header constants (rpm's lib/header.c, as go-rpmdb reads it).
const (
	rpmStringType      = 6
	rpmStringArrayType = 8
	rpmI18NStringType  = 9
	// stringCallCost is what one strtaglen iteration costs besides the
	// bytes it scans, in bytes of scanning.
	stringCallCost = 16
)

// checkHeader validates one package header blob for go-rpmdb's header
// parser: index and data lengths within the blob, enough NUL bytes for
// every string entry that the parser will measure, and a bounded total
// cost for measuring them.
func checkHeader(blob []byte) error {
	if len(blob) < 8 {
		return errors.New("header shorter than 8 bytes")
	}
	if len(blob) > maxHeaderSize {
		return fmt.Errorf("header of %d bytes is over %d", len(blob), maxHeaderSize)
	}
	il := int64(int32(binary.BigEndian.Uint32(blob)))
	dl := int64(int32(binary.BigEndian.Uint32(blob[4:])))
	if il < 1 || il > int64(len(blob)-8)/16 {
		return fmt.Errorf("header index length %d does not fit in %d bytes", il, len(blob))
	}
	dataStart := 8 + 16*il
	if dl < 0 || dl > int64(len(blob))-dataStart {
		return fmt.Errorf("header data length %d does not fit in %d bytes", dl, len(blob))
	}
	dataEnd := dataStart + dl

	// The string entries that go-rpmdb will measure: NUL-terminated
	// strings starting at dataStart+offset. It validates the offset
	// first, and gives up without scanning on a STRING whose count is
	// not 1.
	type query struct {
		start, count int64
		target, pos  int64 // the NUL that ends the last string
	}
	var qs []query
	for i := range il {
		e := blob[8+16*i:]
		typ := binary.BigEndian.Uint32(e[4:])
		offset := int64(int32(binary.BigEndian.Uint32(e[8:])))
		count := int64(binary.BigEndian.Uint32(e[12:]))
		switch {
		case typ == rpmStringType && count == 1, typ == rpmStringArrayType, typ == rpmI18NStringType:
		default:
			continue
		}
		if offset < 0 || offset > dl || dataStart+offset >= dataEnd || count == 0 {
			continue
		}
		qs = append(qs, query{start: dataStart + offset, count: count})
	}
	if len(qs) == 0 {
		return nil
	}
	data := blob[:dataEnd]

	// For each query, the NULs before its start, in one pass over the
	// data with the queries sorted by start.
	slices.SortFunc(qs, func(a, b query) int { return int(a.start - b.start) })
	nuls, at := int64(0), dataStart
	for i := range qs {
		nuls += int64(bytes.Count(data[at:qs[i].start], []byte{0}))
		at = qs[i].start
		qs[i].target = nuls + qs[i].count
	}
	total := nuls + int64(bytes.Count(data[at:], []byte{0}))

	// Then the position of each query's target-th NUL, in one pass with
	// the queries sorted by target.
	slices.SortFunc(qs, func(a, b query) int { return int(a.target - b.target) })
	nuls, at = 0, dataStart
	var cost int64
	budget := int64(32*len(blob)) + 64<<10
	for i := range qs {
		if qs[i].target > total {
			return errors.New("header string entry runs past the end of the data")
		}
		for nuls < qs[i].target {
			j := bytes.IndexByte(data[at:], 0)
			at += int64(j) + 1
			nuls++
		}
		qs[i].pos = at - 1
		cost += qs[i].pos - qs[i].start + 1 + qs[i].count*stringCallCost
		if cost > budget {
			return errors.New("header string entries overlap too much to measure")
		}
	}
	return nil
}
