package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// tarIndex gives random access to the members of an uncompressed tar file
// (a docker-archive or an oci-archive). One pass over the headers records
// where each member's data lies; archive/tar seeks over the data itself, so
// indexing a multi-gigabyte archive reads only its headers. Members are then
// read in place through io.SectionReader: nothing is copied out.
type tarIndex struct {
	f       *os.File
	members map[string]member
}

type member struct {
	off, size int64
	link      string // symlink target, relative to the member's directory
}

const maxArchiveMembers = 1 << 20

func indexTarFile(name string) (*tarIndex, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	idx := &tarIndex{f: f, members: map[string]member{}}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("failed to read the archive's tar headers: %w", err)
		}
		if len(idx.members) >= maxArchiveMembers {
			f.Close()
			return nil, fmt.Errorf("archive has more than %d members", maxArchiveMembers)
		}
		p := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		switch hdr.Typeflag {
		case tar.TypeReg:
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				f.Close()
				return nil, err
			}
			idx.members[p] = member{off: off, size: hdr.Size}
		case tar.TypeSymlink, tar.TypeLink:
			// Older docker save output links duplicate layers.
			target := hdr.Linkname
			if hdr.Typeflag == tar.TypeSymlink {
				target = path.Join(path.Dir(p), target)
			}
			idx.members[p] = member{link: strings.TrimPrefix(path.Clean("/"+target), "/")}
		}
	}
	return idx, nil
}

func (t *tarIndex) has(name string) bool {
	_, err := t.lookup(name)
	return err == nil
}

func (t *tarIndex) lookup(name string) (member, error) {
	for range 16 {
		m, ok := t.members[name]
		if !ok {
			return member{}, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		if m.link == "" {
			return m, nil
		}
		name = m.link
	}
	return member{}, &fs.PathError{Op: "open", Path: name, Err: errors.New("too many links")}
}

// Open returns a reader over one member. It implements blobStore.
func (t *tarIndex) Open(name string) (io.ReadCloser, error) {
	m, err := t.lookup(name)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(io.NewSectionReader(t.f, m.off, m.size)), nil
}

// Size reports the size of a member.
func (t *tarIndex) Size(name string) (int64, error) {
	m, err := t.lookup(name)
	return m.size, err
}

func (t *tarIndex) Close() error { return t.f.Close() }

// readAllLimited reads a small metadata file (manifest, index, config) and
// refuses one that is implausibly large instead of allocating for it.
func readAllLimited(rc io.ReadCloser, what string) ([]byte, error) {
	defer rc.Close()
	const max = 16 << 20
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", what, max)
	}
	return b, nil
}
