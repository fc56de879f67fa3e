// Package testimage builds fixture layers, images and root file systems for
// tests: layer tars with exactly the entries a test gives (hostile ones
// included), images whose layer blobs are exactly the bytes given, and the
// forms an image is read from (docker-archive, OCI layout, OCI archive,
// registry, directory).
//
// Everything is built in memory or under t.TempDir(); the registry runs
// in-process on 127.0.0.1 and stops when the test ends.
package testimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"
)

// TypePAXSparse is not a tar type flag: a File with this Type is written as
// a PAX (GNU 1.0 format) sparse regular file, the way GNU tar --sparse
// --format=posix writes it. See File.Size.
const TypePAXSparse byte = 'p'

// File is one entry of a layer tar or of a root file system.
type File struct {
	// Name is written as given: it may end in "/", start with "/" or hold
	// ".." components.
	Name string
	// Mode defaults to 0644 for files, 0755 for directories and 0777 for
	// symbolic links.
	Mode int64
	// Type is a tar type flag (tar.TypeReg, tar.TypeDir, tar.TypeSymlink,
	// tar.TypeLink, tar.TypeFifo, ...), tar.TypeGNUSparse or TypePAXSparse.
	// The zero value means a regular file.
	Type byte
	// Body is the content of a regular file, or the data stored at offset 0
	// of a sparse file.
	Body []byte
	// Linkname is the target of a symbolic or hard link, as written.
	Linkname string
	// Size, when larger than len(Body), declares a bigger file without
	// holding it in memory: a regular file's content is Body followed by
	// zeros up to Size (streamed by WriteLayerTar, so compress it on the
	// fly for a decompression bomb), and a sparse file's logical size is
	// Size with everything after Body a hole. Zero means len(Body).
	Size int64
	// Uid and Gid are the owner.
	Uid, Gid int
}

func (f File) typ() byte {
	if f.Type == 0 {
		return tar.TypeReg
	}
	return f.Type
}

func (f File) mode() int64 {
	switch {
	case f.Mode != 0:
		return f.Mode
	case f.typ() == tar.TypeDir:
		return 0o755
	case f.typ() == tar.TypeSymlink:
		return 0o777
	}
	return 0o644
}

func (f File) size() int64 {
	return max(f.Size, int64(len(f.Body)))
}

// LayerTar returns an uncompressed tar holding exactly files, in order,
// followed by the end-of-archive marker. It panics if a file cannot be
// encoded at all (a name with a NUL byte, for example).
func LayerTar(files ...File) []byte {
	var buf bytes.Buffer
	if err := WriteLayerTar(&buf, files...); err != nil {
		panic(fmt.Sprintf("testimage.LayerTar: %v", err))
	}
	return buf.Bytes()
}

// WriteLayerTar streams the tar of LayerTar to w. Use it for files whose
// declared Size is too big to hold in memory, with w a compressor.
func WriteLayerTar(w io.Writer, files ...File) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if f.typ() == tar.TypeGNUSparse || f.typ() == TypePAXSparse {
			// archive/tar cannot write sparse files: encode the blocks by
			// hand, after flushing the previous entry's padding.
			if err := tw.Flush(); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			if err := writeSparse(w, f); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			continue
		}
		hdr := &tar.Header{
			Name:     f.Name,
			Mode:     f.mode(),
			Typeflag: f.typ(),
			Linkname: f.Linkname,
			Uid:      f.Uid,
			Gid:      f.Gid,
			ModTime:  time.Unix(0, 0),
		}
		if f.typ() == tar.TypeReg {
			hdr.Size = f.size()
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if hdr.Size == 0 {
			continue
		}
		if _, err := tw.Write(f.Body); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		if err := writeZeros(tw, hdr.Size-int64(len(f.Body))); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return tw.Close()
}

var zeroChunk [64 << 10]byte

func writeZeros(w io.Writer, n int64) error {
	for n > 0 {
		c := min(n, int64(len(zeroChunk)))
		if _, err := w.Write(zeroChunk[:c]); err != nil {
			return err
		}
		n -= c
	}
	return nil
}

// writeSparse writes f as an old GNU sparse entry (type 'S', the map in the
// header) or as a PAX 1.0 sparse entry (GNU.sparse.* records, the map at the
// start of the data), with Body stored at offset 0 and a hole up to Size.
func writeSparse(w io.Writer, f File) error {
	data := f.Body
	realSize := f.size()
	if f.typ() == tar.TypeGNUSparse {
		var blk [512]byte
		fillHeader(&blk, f.Name, tar.TypeGNUSparse, int64(len(data)), f)
		copy(blk[257:], "ustar  \x00") // GNU magic and version
		// One sparse entry at 386: offset 0, len(data); real size at 483.
		putOctal(blk[386:398], 0)
		putOctal(blk[398:410], int64(len(data)))
		putOctal(blk[483:495], realSize)
		checksum(&blk)
		if _, err := w.Write(blk[:]); err != nil {
			return err
		}
		return writePadded(w, data)
	}

	records := paxRecord("GNU.sparse.major", "1") +
		paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", f.Name) +
		paxRecord("GNU.sparse.realsize", strconv.FormatInt(realSize, 10))
	var xhdr [512]byte
	fillHeader(&xhdr, "PaxHeaders.0/"+path.Base(f.Name), tar.TypeXHeader, int64(len(records)), f)
	copy(xhdr[257:], "ustar\x0000")
	checksum(&xhdr)
	if _, err := w.Write(xhdr[:]); err != nil {
		return err
	}
	if err := writePadded(w, []byte(records)); err != nil {
		return err
	}
	sparseMap := padBlock([]byte(fmt.Sprintf("1\n0\n%d\n", len(data))))
	var hdr [512]byte
	fillHeader(&hdr, "GNUSparseFile.0/"+path.Base(f.Name), tar.TypeReg, int64(len(sparseMap)+len(data)), f)
	copy(hdr[257:], "ustar\x0000")
	checksum(&hdr)
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if _, err := w.Write(sparseMap); err != nil {
		return err
	}
	return writePadded(w, data)
}

func fillHeader(blk *[512]byte, name string, typ byte, size int64, f File) {
	copy(blk[0:100], name)
	putOctal(blk[100:108], f.mode())
	putOctal(blk[108:116], int64(f.Uid))
	putOctal(blk[116:124], int64(f.Gid))
	putOctal(blk[124:136], size)
	putOctal(blk[136:148], 0)
	blk[156] = typ
}

func putOctal(b []byte, v int64) {
	s := strconv.FormatInt(v, 8)
	for len(s) < len(b)-1 {
		s = "0" + s
	}
	copy(b, s)
	b[len(b)-1] = 0
}

func checksum(blk *[512]byte) {
	copy(blk[148:156], "        ")
	var sum int64
	for _, c := range blk {
		sum += int64(c)
	}
	copy(blk[148:155], fmt.Sprintf("%06o\x00", sum))
	blk[155] = ' '
}

func paxRecord(k, v string) string {
	// "%d %s=%s\n", where the length counts itself.
	rec := " " + k + "=" + v + "\n"
	n := len(rec) + len(strconv.Itoa(len(rec)))
	if len(strconv.Itoa(n)) > len(strconv.Itoa(len(rec))) {
		n++
	}
	return strconv.Itoa(n) + rec
}

func padBlock(b []byte) []byte {
	if r := len(b) % 512; r != 0 {
		b = append(b, make([]byte, 512-r)...)
	}
	return b
}

func writePadded(w io.Writer, b []byte) error {
	_, err := w.Write(padBlock(bytes.Clone(b)))
	return err
}

// Gzip compresses b as one gzip member. Concatenate results for a
// multi-member gzip blob.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		panic(err)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Zstd compresses b as one zstd frame.
func Zstd(b []byte) []byte {
	zw, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}
