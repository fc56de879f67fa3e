// Command cut makes the committed test data from the shared real data: the
// secdb files of every release cut down to a few packages, and the shared
// OSV export's records that name one of those packages.
//
//	go run ./vulndb/importer/alpinesecdb/testdata/cut \
//	    /work/shared/vulndata/raw/alpine-secdb \
//	    /work/shared/vulndata/osv/Alpine/all.zip \
//	    vulndb/importer/alpinesecdb/testdata
//
// Each cut file keeps every top-level member of the original and the chosen
// package objects verbatim, in their original order.
package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// packages are chosen for the cases they show.
var packages = []string{
	"busybox",     // ALPINE-13661: an Alpine id, not a CVE; version "0"
	"cifs-utils",  // "CVE-2020-14342 (not actually applicable)": comments
	"flatbuffers", // only a version "0" entry: never affected
	"gimp",        // "CVE-2023-44441 ZDI-CAN-22093": two ids in one entry
	"glib",        // "CVE-2021-27219 GHSL-2021-045"
	"gnutls",      // "GNUTLS-SA-2020-03-31 CVE-2020-11501": the CVE second
	"rsync",       // CVE-2017-17434-1, -2
	"runc",        // one CVE under two versions; 1.0.0_rc9 versions
	"shadow",      // "CVE-2017-2616 (+ regression fix)"
	"tailscale",   // "CVE-????-????? TS-2024-005": a placeholder
	"zabbix",      // "CVE N/A ZBX-11023"
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: cut SECDB-DIR Alpine-all.zip OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(secdb, zipPath, out string) error {
	files, err := filepath.Glob(filepath.Join(secdb, "*", "*.json"))
	if err != nil {
		return err
	}
	for _, name := range files {
		rel, _ := filepath.Rel(secdb, name)
		if err := cutFile(name, filepath.Join(out, "secdb", rel)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return copyRecords(zipPath, filepath.Join(out, "osv"))
}

func cutFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	var pkgs []json.RawMessage
	if err := json.Unmarshal(doc["packages"], &pkgs); err != nil {
		return err
	}
	var kept []json.RawMessage
	for _, p := range pkgs {
		var named struct {
			Pkg struct{ Name string } `json:"pkg"`
		}
		if err := json.Unmarshal(p, &named); err != nil {
			return err
		}
		if slices.Contains(packages, named.Pkg.Name) {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	if doc["packages"], err = json.Marshal(kept); err != nil {
		return err
	}
	out, err := json.MarshalIndent(doc, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, append(out, '\n'), 0o644)
}

// copyRecords copies every export record that names a chosen package.
func copyRecords(zipPath, dir string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return err
	}
	defer zr.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		var rec struct {
			Affected []struct {
				Package struct{ Name string } `json:"package"`
			} `json:"affected"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("%s: %w", zf.Name, err)
		}
		for _, a := range rec.Affected {
			if slices.Contains(packages, a.Package.Name) {
				name := strings.ReplaceAll(zf.Name, "?", "_") // portable file names
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}
