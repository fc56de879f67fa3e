package layerfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
)

// EntryType is the kind of a layer entry after whiteouts are recognised.
type EntryType uint8

const (
	TypeFile EntryType = iota + 1
	TypeDir
	TypeSymlink
	// TypeHardlink entries carry the (clean) path of their target in Link.
	TypeHardlink
	// TypeWhiteout deletes Path from the layers below.
	TypeWhiteout
	// TypeOpaque hides everything below the directory Path in lower layers.
	TypeOpaque
	// TypeOther is a device, FIFO or other special file.
	TypeOther
)

func (t EntryType) String() string {
	switch t {
	case TypeFile:
		return "file"
	case TypeDir:
		return "dir"
	case TypeSymlink:
		return "symlink"
	case TypeHardlink:
		return "hardlink"
	case TypeWhiteout:
		return "whiteout"
	case TypeOpaque:
		return "opaque"
	case TypeOther:
		return "other"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

// Entry is one file system object that a layer adds, changes or removes.
type Entry struct {
	Path string // clean, relative to the root, never empty
	Type EntryType
	Mode int64
	Size int64
	// Link is the symlink target as written (symlinks) or the clean path of
	// the target (hardlinks).
	Link string
	// Data is the content, present only when Captured is set: the file
	// matched the Matcher and was within the size limits. For a file that a
	// Filter reduces, Data is what Reduce kept and Size the file's size.
	Data     []byte
	Captured bool
	// Matched records that the Matcher selected the entry, whether or not
	// its content could be captured: FS.Matched lists these files without
	// a walk of the whole tree.
	Matched bool
}

// Warning is a per-layer problem that did not stop the extraction.
type Warning struct {
	Path    string
	Message string
}

// Extract is what vigil keeps of one layer: an index of every entry and the
// content of the files that catalogers asked for. It depends only on the
// layer's bytes and the Matcher, so it is cached by diffID.
type Extract struct {
	Entries  []Entry
	Warnings []Warning
	// DiffID is the sha256 digest of the uncompressed tar stream, and
	// Digest the digest of the blob as read (equal for uncompressed blobs).
	DiffID string
	Digest string
	// Compression is "gzip", "zstd" or "none".
	Compression string
	// Size is the uncompressed size in bytes.
	Size int64
}

// Limits bound what one layer can make vigil do. The zero value means the
// defaults of DefaultLimits.
type Limits struct {
	// MaxFileSize is the largest file whose content is captured; larger
	// matching files are indexed and reported in a warning.
	MaxFileSize int64
	// MaxDatabaseSize replaces MaxFileSize for the files a Matcher marks
	// as large (Matcher.WithLarge): package databases such as an rpm
	// BerkeleyDB, which reach hundreds of megabytes on real systems.
	MaxDatabaseSize int64
	// MaxCaptured bounds the total content captured from one layer.
	MaxCaptured int64
	// MaxLayerSize bounds the uncompressed size of one layer, which stops
	// decompression bombs.
	MaxLayerSize int64
	// MaxEntries bounds the number of entries of one layer.
	MaxEntries int
	// MaxPathLen bounds the length of an entry's path.
	MaxPathLen int
}

// DefaultLimits are generous for real images and small enough that a
// hostile layer cannot exhaust memory.
var DefaultLimits = Limits{
	MaxFileSize:     64 << 20,
	MaxDatabaseSize: 384 << 20,
	MaxCaptured:     512 << 20,
	MaxLayerSize:    64 << 30,
	MaxEntries:      2_000_000,
	MaxPathLen:      4096,
}

// fileLimit is the size limit for the matching file p.
func (l Limits) fileLimit(m *Matcher, p string) int64 {
	if m.Large(p) {
		return max(l.MaxDatabaseSize, l.MaxFileSize)
	}
	return l.MaxFileSize
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxFileSize > 0 {
		d.MaxFileSize = l.MaxFileSize
	}
	if l.MaxDatabaseSize > 0 {
		d.MaxDatabaseSize = l.MaxDatabaseSize
	}
	if l.MaxCaptured > 0 {
		d.MaxCaptured = l.MaxCaptured
	}
	if l.MaxLayerSize > 0 {
		d.MaxLayerSize = l.MaxLayerSize
	}
	if l.MaxEntries > 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxPathLen > 0 {
		d.MaxPathLen = l.MaxPathLen
	}
	return d
}

// ErrLimit is wrapped by errors caused by a layer exceeding Limits.
var ErrLimit = errors.New("limit exceeded")

// EntryError locates a failure inside a layer.
type EntryError struct {
	Path string // the entry being read, or the last good one
	Err  error
}

func (e *EntryError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("at %s: %v", e.Path, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

// asyncHash computes a sha256 digest in its own goroutine, so that hashing
// a layer overlaps with reading and walking it: on an uncompressed layer
// hashing costs as much as everything else together. Data is copied into
// chunks that the hashing goroutine consumes; stop must be called.
type asyncHash struct {
	h      hash.Hash
	buf    []byte
	ch     chan []byte
	free   chan []byte
	done   chan struct{}
	closed bool
}

const hashChunk = 256 << 10

func newAsyncHash() *asyncHash {
	const chunks = 6
	a := &asyncHash{h: sha256.New(), ch: make(chan []byte, chunks-2), free: make(chan []byte, chunks), done: make(chan struct{})}
	for range chunks {
		a.free <- make([]byte, 0, hashChunk)
	}
	a.buf = <-a.free
	go func() {
		defer close(a.done)
		for b := range a.ch {
			a.h.Write(b)
			a.free <- b[:0]
		}
	}()
	return a
}

func (a *asyncHash) Write(p []byte) {
	for len(p) > 0 {
		n := copy(a.buf[len(a.buf):cap(a.buf)], p)
		a.buf, p = a.buf[:len(a.buf)+n], p[n:]
		if len(a.buf) == cap(a.buf) {
			a.ch <- a.buf
			a.buf = <-a.free
		}
	}
}

// stop ends the hashing goroutine; it is safe to call more than once.
func (a *asyncHash) stop() {
	if a.closed {
		return
	}
	a.closed = true
	if len(a.buf) > 0 {
		a.ch <- a.buf
	}
	close(a.ch)
	<-a.done
}

func (a *asyncHash) digest() string {
	a.stop()
	return "sha256:" + hex.EncodeToString(a.h.Sum(nil))
}

// countingHash counts and hashes what passes through it.
type countingHash struct {
	r     io.Reader
	h     *asyncHash
	n     int64
	limit int64
	// err is sticky once the limit is passed.
	err error
	// onRead reports progress; may be nil.
	onRead func(n int)
}

// decodeErrors prefixes the errors of a decompressor with its name, so that
// a truncated gzip stream is told apart from a truncated tar.
type decodeErrors struct {
	r    io.Reader
	name string
}

func (d decodeErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF && !strings.HasPrefix(err.Error(), d.name+":") {
		err = fmt.Errorf("%s: %w", d.name, err)
	}
	return n, err
}

// looksLikeTar reports whether b starts with a tar header block: one whose
// checksum field matches its bytes.
func looksLikeTar(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " "), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return false
	}
	var unsigned, signed int64
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

func (c *countingHash) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if n > 0 {
		if c.limit > 0 && c.n+int64(n) > c.limit {
			// Hand over only what is within the limit, with the error:
			// a short read makes io.ReadFull report the error, where a
			// full buffer would have let it drop it.
			n = int(c.limit - c.n)
			c.err = fmt.Errorf("layer is larger than %d bytes uncompressed (decompression bomb?): %w", c.limit, ErrLimit)
			err = c.err
		}
		if c.h != nil {
			c.h.Write(p[:n])
		}
		c.n += int64(n)
		if c.onRead != nil && n > 0 {
			c.onRead(n)
		}
	}
	return n, err
}

// ExtractOptions tune ExtractTar.
type ExtractOptions struct {
	Limits Limits
	// OnRead is called with the number of raw (compressed) bytes read, for
	// progress display. It may be nil.
	OnRead func(n int)
}

// ExtractTar reads a layer blob once, as a stream, and returns its Extract.
// The blob may be an uncompressed tar, or gzip or zstd compressed; the
// format is detected from its first bytes, not trusted from a media type.
//
// Errors name the entry where reading failed. Problems with single entries
// (unsafe paths, oversized files) become warnings.
func ExtractTar(ctx context.Context, blob io.Reader, m *Matcher, opts ExtractOptions) (*Extract, error) {
	lim := opts.Limits.withDefaults()
	raw := &countingHash{r: blob, h: newAsyncHash(), onRead: opts.OnRead}
	defer raw.h.stop()
	br := bufio.NewReaderSize(raw, 64<<10)
	magic, _ := br.Peek(4)
	if len(magic) == 4 && (bytes.HasPrefix(magic, []byte("BZh")) || bytes.Equal(magic, []byte{0xfd, '7', 'z', 'X'})) {
		// A tar starts with its first entry's name, which may start with
		// these bytes too.
		if first, _ := br.Peek(512); looksLikeTar(first) {
			magic = nil
		}
	}

	ext := &Extract{}
	var dec io.Reader
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		ext.Compression = "gzip"
		// pgzip decompresses ahead in its own goroutine, so inflating and
		// walking the tar overlap on two cores.
		zr, err := pgzip.NewReaderN(br, 1<<20, 4)
		if err != nil {
			return nil, fmt.Errorf("reading gzip header: %w", err)
		}
		defer zr.Close()
		dec = decodeErrors{zr, "gzip"}
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		ext.Compression = "zstd"
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20))
		if err != nil {
			return nil, fmt.Errorf("reading zstd header: %w", err)
		}
		defer zr.Close()
		dec = decodeErrors{zr, "zstd"}
	case len(magic) >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h':
		return nil, errors.New("bzip2-compressed layers are not supported by the OCI image spec")
	case len(magic) >= 4 && bytes.Equal(magic, []byte{0xfd, '7', 'z', 'X'}):
		return nil, errors.New("xz-compressed layers are not supported by the OCI image spec")
	default:
		ext.Compression = "none"
		dec = br
		// The blob is the tar: its digest is the diffID, so hash it once.
		raw.h.stop()
		raw.h = nil
	}
	unc := &countingHash{r: dec, h: newAsyncHash(), limit: lim.MaxLayerSize}
	defer unc.h.stop()

	if err := walkTar(ctx, unc, m, lim, ext); err != nil {
		return nil, err
	}
	// Read to the end so that both digests cover the whole blob: tar
	// padding after the end-of-archive marker, and trailing gzip members.
	if _, err := io.Copy(io.Discard, unc); err != nil {
		return nil, &EntryError{Path: "(end of archive)", Err: err}
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, err
	}
	ext.DiffID = unc.h.digest()
	ext.Digest = ext.DiffID
	if raw.h != nil {
		ext.Digest = raw.h.digest()
	}
	ext.Size = unc.n
	return ext, nil
}

func walkTar(ctx context.Context, r io.Reader, m *Matcher, lim Limits, ext *Extract) error {
	tr := tar.NewReader(r)
	var captured int64
	var scratch []byte // reduced files' content, reused
	headBuf := make([]byte, SniffSize)
	last := ""
	// index of the last entry of each captured path, for hardlinks.
	capturedAt := map[string]int{}
	// Every header counts against MaxEntries, skipped ones included: each
	// costs a warning at least.
	headers := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			where := "first entry"
			if last != "" {
				where = "entry after " + last
			}
			return &EntryError{Path: where, Err: fmt.Errorf("corrupt or truncated layer: %w", err)}
		}
		if headers++; headers > lim.MaxEntries {
			return &EntryError{Path: shorten(hdr.Name), Err: fmt.Errorf("layer has more than %d entries: %w", lim.MaxEntries, ErrLimit)}
		}
		if len(hdr.Name) > lim.MaxPathLen {
			ext.Warnings = append(ext.Warnings, Warning{Path: shorten(hdr.Name), Message: fmt.Sprintf("entry skipped: path longer than %d bytes", lim.MaxPathLen)})
			continue
		}
		if len(hdr.Linkname) > lim.MaxPathLen {
			ext.Warnings = append(ext.Warnings, Warning{Path: shorten(hdr.Name), Message: fmt.Sprintf("entry skipped: link target longer than %d bytes", lim.MaxPathLen)})
			continue
		}
		p, unsafe := cleanPath(hdr.Name)
		if unsafe {
			ext.Warnings = append(ext.Warnings, Warning{Path: hdr.Name, Message: fmt.Sprintf("entry path leaves the layer root; read as /%s", p)})
		}
		if p == "" {
			continue // the root directory itself
		}
		last = p
		e := Entry{Path: p, Mode: hdr.Mode, Size: hdr.Size}
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		if strings.HasPrefix(base, ".wh.") {
			switch {
			case base == ".wh..wh..opq":
				if dir == "" {
					ext.Warnings = append(ext.Warnings, Warning{Path: hdr.Name, Message: "opaque whiteout of the root directory"})
				}
				e = Entry{Path: dir, Type: TypeOpaque}
			case strings.HasPrefix(base, ".wh..wh."):
				continue // AUFS bookkeeping (hard link directory and the like)
			default:
				victim := strings.TrimPrefix(base, ".wh.")
				if victim == "" || victim == "." || victim == ".." {
					// It would name the directory holding the marker or its
					// parent; a whiteout names a sibling.
					ext.Warnings = append(ext.Warnings, Warning{Path: hdr.Name, Message: fmt.Sprintf("whiteout %q names no file; ignored", base)})
					continue
				}
				e = Entry{Path: path.Join(dir, victim), Type: TypeWhiteout}
			}
			ext.Entries = append(ext.Entries, e)
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse: // the reader turns TypeRegA into TypeReg
			e.Type = TypeFile
		case tar.TypeDir:
			e.Type = TypeDir
		case tar.TypeSymlink:
			e.Type = TypeSymlink
			e.Link = hdr.Linkname
		case tar.TypeLink:
			e.Type = TypeHardlink
			target, unsafe := cleanPath(hdr.Linkname)
			if unsafe || target == "" {
				ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: fmt.Sprintf("hard link target %q leaves the layer root; read as /%s", hdr.Linkname, target)})
			}
			e.Link = target
		default:
			e.Type = TypeOther
		}
		var head []byte
		var filter *sniff
		matched := m.Match(p)
		if matched && e.Type == TypeFile && m.filtered(p) {
			head = headBuf[:min(hdr.Size, SniffSize)] // copied before the next entry
			if _, err := io.ReadFull(tr, head); err != nil {
				return &EntryError{Path: p, Err: fmt.Errorf("corrupt or truncated layer: %w", err)}
			}
			if filter = m.sniff(p, head); filter == nil {
				ext.Entries = append(ext.Entries, e) // not a file of interest
				delete(capturedAt, p)
				continue
			}
		}
		if matched {
			e.Matched = true
			switch e.Type {
			case TypeFile:
				size := filter.readSize(hdr.Size)
				switch {
				case size > lim.fileLimit(m, p):
					ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: fmt.Sprintf("file not read: %d bytes is over the %d byte limit", hdr.Size, lim.fileLimit(m, p))})
				case captured+size > lim.MaxCaptured:
					ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: fmt.Sprintf("file not read: the layer's captured files exceed %d bytes", lim.MaxCaptured)})
				case filter != nil && filter.reduce != nil:
					// Reduced files are read into one reused buffer: only what
					// Reduce keeps is allocated (the rest of a file longer
					// than MaxRead is skipped by the tar reader).
					if int64(cap(scratch)) < size {
						scratch = make([]byte, size)
					}
					data := scratch[:size]
					n := copy(data, head)
					if _, err := io.ReadFull(tr, data[n:]); err != nil {
						return &EntryError{Path: p, Err: fmt.Errorf("corrupt or truncated layer: %w", err)}
					}
					if data = bytes.Clone(reduce(filter, p, data, &ext.Warnings)); data == nil {
						e.Matched = false // nothing of interest in it
						break
					}
					e.Data, e.Captured = data, true
					captured += int64(len(data))
				default:
					data := make([]byte, size)
					n := copy(data, head) // what a sniff function has seen
					if _, err := io.ReadFull(tr, data[n:]); err != nil {
						return &EntryError{Path: p, Err: fmt.Errorf("corrupt or truncated layer: %w", err)}
					}
					e.Data, e.Captured = data, true
					captured += int64(len(data))
				}
			case TypeHardlink:
				if i, ok := capturedAt[e.Link]; ok {
					e.Data, e.Captured, e.Size = ext.Entries[i].Data, true, ext.Entries[i].Size
				} else if m.filtered(p) {
					// Content sniffing could not look at it: a link to a
					// file that was not of interest is not of interest.
					e.Matched = false
				} else {
					ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: fmt.Sprintf("hard link to /%s: content not read (target is not a catalogued file)", e.Link)})
				}
			}
		}
		if e.Captured {
			capturedAt[p] = len(ext.Entries)
		} else {
			delete(capturedAt, p)
		}
		ext.Entries = append(ext.Entries, e)
	}
}

// reduce applies a filter's reduction to the content of the file p. A
// failure (or a panic: the input is hostile, the code is a cataloger's)
// becomes a warning and the file is not kept.
func reduce(f *sniff, p string, data []byte, warnings *[]Warning) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			*warnings = append(*warnings, Warning{Path: p, Message: fmt.Sprintf("%s: internal error (please report it): %v", f.name, r)})
			out = nil
		}
	}()
	out, err := f.reduce(p, data)
	if err != nil {
		*warnings = append(*warnings, Warning{Path: p, Message: fmt.Sprintf("%s: %v", f.name, err)})
		return nil
	}
	return out
}

// shorten cuts a name for an error or warning message.
func shorten(name string) string {
	if len(name) <= 64 {
		return name
	}
	return name[:64] + "..."
}

// cleanPath turns a tar entry name into a clean path relative to the root.
// Absolute names and ".." components are confined to the root the way a
// chroot would confine them; unsafe reports that the name tried to leave.
func cleanPath(name string) (p string, unsafe bool) {
	unsafe = strings.HasPrefix(name, "/")
	depth := 0
	for _, c := range strings.Split(name, "/") {
		switch c {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				unsafe = true
				depth = 0
			}
		default:
			depth++
		}
	}
	p = strings.TrimPrefix(path.Clean("/"+name), "/")
	return p, unsafe
}
