package layerfs

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ExtractDir indexes a root file system on disk as if it were a single
// layer. Symbolic links are recorded, never followed, so that they resolve
// inside the root like an image's links; only regular files that m selects
// are opened, and special files (FIFOs, devices) are never opened.
func ExtractDir(ctx context.Context, root string, m *Matcher, limits Limits) (*Extract, error) {
	lim := limits.withDefaults()
	st, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", root)
	}
	// Walk the directory, not a symbolic link to it: WalkDir does not
	// follow a root that is a link.
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, err
	}
	ext := &Extract{Compression: "none"}
	var captured int64
	err = filepath.WalkDir(root, func(osPath string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, rerr := filepath.Rel(root, osPath)
		if rerr != nil {
			return rerr
		}
		p := filepath.ToSlash(rel)
		if err != nil {
			ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		if len(ext.Entries) >= lim.MaxEntries {
			return fmt.Errorf("more than %d entries: %w", lim.MaxEntries, ErrLimit)
		}
		info, err := d.Info()
		if err != nil {
			ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: err.Error()})
			return nil
		}
		e := Entry{Path: p, Mode: tarMode(info.Mode()), Size: info.Size()}
		switch t := info.Mode().Type(); {
		case t == 0:
			e.Type = TypeFile
		case t&fs.ModeDir != 0:
			e.Type, e.Size = TypeDir, 0
		case t&fs.ModeSymlink != 0:
			e.Type, e.Size = TypeSymlink, 0
			if e.Link, err = os.Readlink(osPath); err != nil {
				ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: err.Error()})
			}
		default:
			e.Type, e.Size = TypeOther, 0
		}
		if e.Type == TypeFile && strings.HasPrefix(filepath.Base(p), ".wh.") {
			// A root file system on disk has no whiteouts; keep the name.
			ext.Entries = append(ext.Entries, e)
			return nil
		}
		if e.Type == TypeFile && m.Match(p) {
			var filter *sniff
			if m.filtered(p) {
				head, err := readLimited(osPath, SniffSize, true)
				if err == nil {
					filter = m.sniff(p, head)
				}
				if filter == nil {
					ext.Entries = append(ext.Entries, e) // not a file of interest
					return nil
				}
			}
			e.Matched = true
			size := filter.readSize(e.Size)
			switch {
			case size > lim.fileLimit(m, p):
				ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: fmt.Sprintf("file not read: %d bytes is over the %d byte limit", e.Size, lim.fileLimit(m, p))})
			case captured+size > lim.MaxCaptured:
				ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: fmt.Sprintf("file not read: captured files exceed %d bytes", lim.MaxCaptured)})
			default:
				limit, prefix := lim.fileLimit(m, p), false
				if size < e.Size {
					limit, prefix = size, true // the filter's MaxRead
				}
				data, err := readLimited(osPath, limit, prefix)
				if err != nil {
					ext.Warnings = append(ext.Warnings, Warning{Path: p, Message: err.Error()})
					break
				}
				if !prefix {
					e.Size = int64(len(data))
				}
				if filter != nil && filter.reduce != nil {
					if data = reduce(filter, p, data, &ext.Warnings); data == nil {
						e.Matched = false // nothing of interest in it
						break
					}
				}
				e.Data, e.Captured = data, true
				captured += int64(len(data))
			}
		}
		ext.Entries = append(ext.Entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ext, nil
}

// tarMode returns the permission bits of m as a tar header writes them,
// with the setuid (04000), setgid (02000) and sticky (01000) bits that
// fs.FileMode keeps apart from Perm.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

// readLimited reads a regular file without following a symbolic link that
// may have replaced it since the walk saw it, and never more than max bytes:
// with prefix set it returns the first max bytes, otherwise it fails on a
// larger file.
func readLimited(name string, max int64, prefix bool) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, ErrNotFile
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max && prefix {
		return data[:max], nil
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("file grew over the %d byte limit while being read: %w", max, ErrLimit)
	}
	return data, nil
}
