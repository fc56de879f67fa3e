//go:build ignore

// cut.go writes the small mirror under testdata/mirror from the real OSV
// exports in ../shared/vulndata (see README.md):
//
//	go run ./vulndb/testdata/cut.go /work/shared/vulndata/osv vulndb/testdata/mirror
//
// For each ecosystem it keeps every record of one named package (so lookups
// can be tested on real names) and up to three records of each feature the
// store and Evaluate must handle (withdrawn, CVE in aliases or upstream,
// last_affected, explicit versions, several ranges, SEMVER and GIT ranges,
// CVSS vectors, database_specific severity), and every n-th record so that
// each ecosystem has about 25, at most 40 records besides the named ones.
// Records are copied byte for byte; the zips are deterministic.
package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

var named = map[string][]string{
	"Alpine":    {"flex"},
	"Debian":    {"zlib", "tinc"},
	"Go":        {"golang.org/x/text"},
	"Maven":     {"org.rundeck:rundeck-core"},
	"PyPI":      {"jw.util", "paramiko"},
	"RubyGems":  {"doorkeeper"},
	"crates.io": {"smallvec"},
	"npm":       {"jose"},
}

const perFeature, maxRecords = 3, 40

type record struct {
	Withdrawn        string          `json:"withdrawn"`
	Aliases          []string        `json:"aliases"`
	Upstream         []string        `json:"upstream"`
	Severity         []any           `json:"severity"`
	DatabaseSpecific json.RawMessage `json:"database_specific"`
	Affected         []struct {
		Package  struct{ Name string }
		Versions []string
		Ranges   []struct {
			Type   string
			Events []map[string]string
		}
	}
}

func features(r *record) []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(r.Withdrawn != "", "withdrawn")
	add(slices.ContainsFunc(r.Aliases, func(a string) bool { return strings.HasPrefix(a, "CVE-") }), "alias-cve")
	add(len(r.Upstream) > 0, "upstream")
	add(len(r.Severity) > 0, "cvss")
	add(strings.Contains(string(r.DatabaseSpecific), `"severity"`), "db-severity")
	for _, a := range r.Affected {
		add(len(a.Versions) > 0, "versions")
		for _, rg := range a.Ranges {
			add(true, rg.Type)
			intro := 0
			for _, e := range rg.Events {
				add(e["last_affected"] != "", "last_affected")
				add(e["limit"] != "", "limit")
				if e["introduced"] != "" {
					intro++
				}
			}
			add(intro > 1, "multi-introduced")
		}
	}
	return f
}

func isNamed(eco string, r *record) bool {
	for _, a := range r.Affected {
		if slices.Contains(named[eco], a.Package.Name) {
			return true
		}
	}
	return false
}

func cut(src, dst, eco string) error {
	zr, err := zip.OpenReader(filepath.Join(src, eco, "all.zip"))
	if err != nil {
		return err
	}
	defer zr.Close()
	files := slices.Clone(zr.File)
	slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	picked := map[string][]byte{}
	count := map[string]int{}
	stride := max(len(files)/25, 1)
	for i, f := range files {
		data, err := read(f)
		if err != nil {
			return err
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		keep := isNamed(eco, &r) || i%stride == 0 && len(picked) < maxRecords
		for _, feat := range features(&r) {
			if count[feat] < perFeature && len(picked) < maxRecords {
				keep = true
			}
		}
		if keep {
			picked[f.Name] = data
			for _, feat := range features(&r) {
				count[feat]++
			}
		}
	}
	log.Printf("%s: %d records, features %v", eco, len(picked), count)
	return write(filepath.Join(dst, eco, "all.zip"), picked)
}

func read(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func write(name string, files map[string][]byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	out, err := os.Create(name)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		if _, err := w.Write(files[n]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Close()
}

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: go run cut.go SRC-OSV-DIR DST-MIRROR-DIR")
	}
	for eco := range named {
		if err := cut(os.Args[1], os.Args[2], eco); err != nil {
			log.Fatalf("%s: %v", eco, err)
		}
	}
}
