// Package importer builds an advisory database from local files in any
// format vigil reads, for air-gapped sites: OSV data (a zip as the OSV
// exports publish it, a directory of OSV JSON, a mirror tree of
// <Ecosystem>/all.zip, or a `vigil db export` file), Debian's OVAL XML
// (plain or .bz2) and Alpine's secdb JSON (one file or a tree of
// vX.Y/{main,community}.json).
package importer

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vigil-dev/vigil/vulndb"
	"github.com/vigil-dev/vigil/vulndb/importer/alpinesecdb"
	"github.com/vigil-dev/vigil/vulndb/importer/debianoval"
	"github.com/vigil-dev/vigil/vulndb/osv"
)

// Formats a path can hold.
const (
	FormatOSV         = "osv"
	FormatDebianOVAL  = "debian-oval"
	FormatAlpineSecdb = "alpine-secdb"
)

// Detect tells the format of the file or directory at path.
func Detect(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		secdb, _ := filepath.Glob(filepath.Join(path, "v*", "*.json"))
		if len(secdb) > 0 && isSecdb(secdb[0]) {
			return FormatAlpineSecdb, nil
		}
		return FormatOSV, nil
	}
	head, err := readHead(path)
	if err != nil {
		return "", err
	}
	switch {
	case bytes.HasPrefix(head, []byte("BZh")) || bytes.HasPrefix(bytes.TrimSpace(head), []byte("<?xml")) || bytes.HasPrefix(bytes.TrimSpace(head), []byte("<oval")):
		return FormatDebianOVAL, nil
	case bytes.Contains(head, []byte(`"distroversion"`)) || bytes.Contains(head, []byte(`"secfixes"`)):
		return FormatAlpineSecdb, nil
	}
	return FormatOSV, nil
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return head[:n], nil
}

func isSecdb(path string) bool {
	head, err := readHead(path)
	return err == nil && bytes.Contains(head, []byte(`"distroversion"`))
}

// Import builds a database from paths, each in its detected format, and
// atomically replaces the database at opts.Path (see vulndb.Import).
func Import(ctx context.Context, paths []string, opts vulndb.ImportOptions) (vulndb.Status, []string, error) {
	var readers []vulndb.Reader
	for _, p := range paths {
		format, err := Detect(p)
		if err != nil {
			return vulndb.Status{}, nil, err
		}
		readers = append(readers, Reader(p, format, opts.Limits))
	}
	return vulndb.ImportFrom(ctx, readers, opts)
}

// Reader returns the vulndb.Reader for path in format.
func Reader(path, format string, lim vulndb.Limits) vulndb.Reader {
	return func(ctx context.Context, b *vulndb.Builder) error {
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		var n int
		switch format {
		case FormatOSV:
			err = b.ImportPath(ctx, abs, lim)
		case FormatDebianOVAL:
			n, err = native(b, abs, func(emit func(*osv.Vulnerability) error) error {
				r, closeFn, err := openMaybeBzip2(abs)
				if err != nil {
					return err
				}
				defer closeFn()
				_, err = debianoval.Read(ctx, r, emit)
				return err
			})
		case FormatAlpineSecdb:
			n, err = native(b, abs, func(emit func(*osv.Vulnerability) error) error {
				if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
					_, err = alpinesecdb.ReadDir(ctx, os.DirFS(abs), emit)
					return err
				}
				f, err := os.Open(abs)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = alpinesecdb.Read(ctx, bufio.NewReader(f), emit)
				return err
			})
		default:
			err = fmt.Errorf("unknown format %q (want %s)", format, strings.Join([]string{FormatOSV, FormatDebianOVAL, FormatAlpineSecdb}, ", "))
		}
		if err != nil {
			return fmt.Errorf("failed to import %s (%s): %w", path, format, err)
		}
		if format != FormatOSV && n == 0 {
			return fmt.Errorf("failed to import %s (%s): no advisories in it", path, format)
		}
		return nil
	}
}

// native records the source and adds every record read emits.
func native(b *vulndb.Builder, abs string, read func(emit func(*osv.Vulnerability) error) error) (int, error) {
	fetched := time.Now().UTC()
	if fi, err := os.Stat(abs); err == nil {
		fetched = fi.ModTime().UTC()
	}
	b.SetSource(vulndb.Source{Name: abs, URL: abs, Fetched: fetched})
	n := 0
	err := read(func(v *osv.Vulnerability) error {
		n++
		if err := b.Add(v, abs); err != nil && !errors.Is(err, osv.ErrInvalid) {
			return err // invalid records are skipped and counted by Add
		}
		return nil
	})
	return n, err
}

func openMaybeBzip2(path string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(f)
	if magic, _ := br.Peek(3); string(magic) == "BZh" {
		return bzip2.NewReader(br), f.Close, nil
	}
	return br, f.Close, nil
}
