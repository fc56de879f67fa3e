package vulndb

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// An export is a zip of the database's OSV records, one JSON file each
// under records/, and a manifest, vigil-export.json, naming every record
// file with its source and SHA-256 and carrying the database's status
// (its sources with their URLs, validators and fetch times).
//
// A zip of records rather than the bbolt file itself because: it does not
// depend on the store's SchemaVersion, so a site may run a newer or older
// vigil than the machine that exported it; a bbolt file is not safe to open
// when it comes from elsewhere (its reader trusts the page structure),
// while every record of an export goes through the same decoding, size
// limits and validation as the OSV exports; and any zip tool can list and
// check it. Rebuilding the indexes on import costs a few seconds.
const (
	exportManifest = "vigil-export.json"
	exportFormat   = "vigil-db-export"
	exportVersion  = 1
)

type manifest struct {
	Format  string         `json:"format"`
	Version int            `json:"version"`
	Status  Status         `json:"status"`
	Files   []manifestFile `json:"files"`
}

type manifestFile struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	SHA256 string `json:"sha256"`
}

// Export writes every record of db, withdrawn ones included, and its
// status to w as one zip file that Import (or Builder.ImportZip) turns back
// into an equivalent database on another machine.
func Export(db *DB, w io.Writer) error {
	st, err := db.Status()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	m := manifest{Format: exportFormat, Version: exportVersion, Status: st}
	err = db.forEachRaw(func(id []byte, val storedValue) error {
		data, err := db.decodeJSON(id, val)
		if err != nil {
			return err
		}
		name := "records/" + url.PathEscape(string(id)) + ".json"
		sum := sha256.Sum256(data)
		m.Files = append(m.Files, manifestFile{Name: name, Source: val.source, SHA256: hex.EncodeToString(sum[:])})
		return writeZipEntry(zw, name, st, data)
	})
	if err != nil {
		return fmt.Errorf("failed to export: %w", err)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeZipEntry(zw, exportManifest, st, data); err != nil {
		return fmt.Errorf("failed to export: %w", err)
	}
	return zw.Close()
}

func writeZipEntry(zw *zip.Writer, name string, st Status, data []byte) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: st.Built})
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}

func isExport(zr *zip.Reader) bool {
	for _, f := range zr.File {
		if f.Name == exportManifest {
			return true
		}
	}
	return false
}

// importExport adds the records of an export after checking each against
// the manifest, and restores the manifest's sources.
func (b *Builder) importExport(ctx context.Context, zr *zip.Reader, lim Limits) error {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	var total int64
	raw, err := readZipEntry(files[exportManifest], lim.MaxRecord*16, &total, lim.MaxTotal)
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", exportManifest, err)
	}
	if m.Format != exportFormat || m.Version != exportVersion {
		return fmt.Errorf("%s: unsupported export format %q version %d", exportManifest, m.Format, m.Version)
	}
	if want := len(m.Files) + 1; len(zr.File) != want {
		return fmt.Errorf("export has %d entries, its manifest names %d", len(zr.File), want)
	}
	for _, s := range m.Status.Sources {
		b.SetSource(s)
	}
	for _, mf := range m.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := files[mf.Name]
		if f == nil || !strings.HasPrefix(mf.Name, "records/") {
			return fmt.Errorf("export lacks %q named in its manifest", mf.Name)
		}
		data, err := readZipEntry(f, lim.MaxRecord, &total, lim.MaxTotal)
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != mf.SHA256 {
			return fmt.Errorf("%s: checksum mismatch: the export is corrupt", mf.Name)
		}
		if err := b.addFile(data, mf.Name, mf.Source); err != nil {
			return err
		}
	}
	return nil
}
