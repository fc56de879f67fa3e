// Command cut makes the committed test data from the shared real data: a
// small, valid cut of Debian's bookworm OVAL file and the OSV records that
// the shared OSV export holds for the same definitions.
//
//	go run ./vulndb/importer/debianoval/testdata/cut \
//	    /work/shared/vulndata/raw/debian-oval-bookworm.xml.bz2 \
//	    /work/shared/vulndata/osv/Debian/all.zip \
//	    vulndb/importer/debianoval/testdata
//
// It works on lines: Debian writes every definition, test, object and state
// as its own block of lines, so keeping whole blocks keeps the XML valid.
// It keeps every 400th definition, the definitions named in extra, the
// tests, objects and states they refer to, and everything else verbatim.
package main

import (
	"archive/zip"
	"bufio"
	"compress/bzip2"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// extra are definitions kept for the cases they show.
var extra = map[string]bool{
	"CVE-2001-1534 apache2": true, // unfixed: "less than 0:0"
	"CVE-2000-1219 gcc-3.3": true, // epoch 1
	"CVE-2000-1220 lpr":     true, // shares its test's object and state with CVE-2000-1221
	"CVE-2000-1221 lpr":     true,
	"DSA-5418-1 chromium":   true, // a DSA patch definition, skipped
}

var (
	blockStart = regexp.MustCompile(`^    <(definition|[a-z0-9_]+_(?:test|object|state)) `)
	idAttr     = regexp.MustCompile(` id="([^"]+)"`)
	refAttr    = regexp.MustCompile(`(?:test_ref|object_ref|state_ref)="([^"]+)"`)
	title      = regexp.MustCompile(`<title>([^<]+)</title>`)
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: cut OVAL.xml.bz2 Debian-all.zip OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// block is one top-level item inside definitions/tests/objects/states, or
// a run of other lines (kind "").
type block struct {
	kind, id string
	lines    []string
}

func run(ovalPath, zipPath, out string) error {
	blocks, err := readBlocks(ovalPath)
	if err != nil {
		return err
	}
	keep, titles := selectBlocks(blocks)
	f, err := os.Create(filepath.Join(out, "bookworm-cut.xml"))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, b := range blocks {
		if b.kind == "" || keep[b.id] {
			for _, l := range b.lines {
				fmt.Fprintln(w, l)
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return copyRecords(zipPath, filepath.Join(out, "osv"), titles)
}

func readBlocks(path string) ([]block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(bzip2.NewReader(f))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var blocks []block
	var cur *block
	for sc.Scan() {
		line := sc.Text()
		if cur == nil {
			if m := blockStart.FindStringSubmatch(line); m != nil {
				blocks = append(blocks, block{kind: m[1], id: idAttr.FindStringSubmatch(line)[1]})
				cur = &blocks[len(blocks)-1]
			} else {
				blocks = append(blocks, block{lines: []string{line}})
				continue
			}
		}
		cur.lines = append(cur.lines, line)
		if strings.HasSuffix(line, "/>") && len(cur.lines) == 1 || strings.HasPrefix(line, "    </") {
			cur = nil
		}
	}
	return blocks, sc.Err()
}

// selectBlocks picks the definitions and, transitively, what they refer to.
func selectBlocks(blocks []block) (map[string]bool, []string) {
	byID := map[string]*block{}
	for i := range blocks {
		if blocks[i].kind != "" {
			byID[blocks[i].id] = &blocks[i]
		}
	}
	keep := map[string]bool{}
	var titles []string
	var visit func(id string)
	visit = func(id string) {
		if keep[id] || byID[id] == nil {
			return
		}
		keep[id] = true
		for _, l := range byID[id].lines {
			for _, m := range refAttr.FindAllStringSubmatch(l, -1) {
				visit(m[1])
			}
		}
	}
	n := 0
	for _, b := range blocks {
		if b.kind != "definition" {
			continue
		}
		t := title.FindStringSubmatch(strings.Join(b.lines, "\n"))[1]
		if n%400 == 0 || extra[t] {
			visit(b.id)
			titles = append(titles, t)
		}
		n++
	}
	return keep, titles
}

// copyRecords copies the shared OSV records of the kept CVE definitions.
func copyRecords(zipPath, dir string, titles []string) error {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return err
	}
	defer zr.Close()
	want := map[string]bool{}
	for _, t := range titles {
		want["DEBIAN-OVAL-"+strings.ReplaceAll(t, " ", "-")+".json"] = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, zf := range zr.File {
		if !want[zf.Name] {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, zf.Name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
