package apk

import (
	"fmt"
	"path"
	"strings"
)

// Entry is one package record of apk's installed database.
type Entry struct {
	Name    string // P:
	Version string // V:
	Arch    string // A:
	Origin  string // o: the source package (the aport) it was built from
	License string // L: as declared
	// Files are the absolute paths of the files the package owns: each R:
	// line joined to the F: directory before it. Directories are not listed.
	Files []string
}

func (e Entry) key() string { return e.Name + "@" + e.Version + "/" + e.Arch }

// entryKey identifies a record without building a string.
type entryKey struct{ name, version, arch string }

// Bounds on what one database can make the parser keep. A real Alpine
// system has a few hundred packages and well under a million files; the
// database itself is bounded by layerfs.Limits.MaxFileSize. The file bounds
// stop a small database from expanding into a large list of paths (many
// one-letter R: lines under one very long F: directory).
const (
	maxRecords   = 200_000
	maxFiles     = 2_000_000
	maxFileBytes = 128 << 20
	maxProblems  = 50
)

// ParseInstalled parses the text form of apk's installed database
// (lib/apk/db/installed, apk-tools v2): records separated by blank lines,
// each line a one-letter field, a colon and a value. See
// https://wiki.alpinelinux.org/wiki/Apk_spec and apk-tools' database.c
// (apk_db_index_read), which this follows: F: opens a directory, the R:
// lines after it name files in it.
//
// The format has no maintained Go parser outside large scanners (Syft,
// Trivy) that would pull in most of their dependency trees; it is line
// based and written by apk itself, so a small parser that is easy to fuzz
// is the safer choice.
//
// Malformed lines and records are skipped and described in problems. CRLF
// line ends are accepted. Nothing in the input can make the parser keep
// more than the bounds above.
func ParseInstalled(data []byte) (entries []Entry, problems []string) {
	return parse(data, true)
}

// parse is ParseInstalled; without files it skips the R: lines, which is
// all that layer attribution needs.
func parse(data []byte, withFiles bool) (entries []Entry, problems []string) {
	var (
		cur       Entry
		fields    int    // fields read in the current record
		start     int    // line number where the current record starts
		dir       string // the current F: directory, clean and absolute
		haveDir   bool
		nFiles    int
		fileBytes int
		truncated bool
		dropped   int
		seen      = map[entryKey]bool{}
	)
	problem := func(format string, args ...any) {
		switch {
		case len(problems) < maxProblems:
			problems = append(problems, fmt.Sprintf(format, args...))
		case len(problems) == maxProblems:
			problems = append(problems, "more problems not shown")
		}
	}
	flush := func() {
		defer func() { cur, fields, dir, haveDir = Entry{}, 0, "", false }()
		switch {
		case fields == 0:
			return
		case cur.Name == "":
			problem("line %d: record without a package name (P:) skipped", start)
			return
		case cur.Version == "":
			problem("line %d: package %q has no version (V:); skipped", start, truncate(cur.Name))
			return
		case len(entries) >= maxRecords:
			dropped++
			return
		}
		k := entryKey{cur.Name, cur.Version, cur.Arch}
		if seen[k] {
			problem("line %d: package %q %q listed twice; the second record is ignored", start, truncate(cur.Name), truncate(cur.Version))
			return
		}
		seen[k] = true
		entries = append(entries, cur)
	}

	// One conversion, then every value is a substring of it: no copy per
	// field.
	text := string(data)
	for lineNo := 1; text != ""; lineNo++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			flush()
			continue
		}
		if fields == 0 {
			start = lineNo
		}
		fields++
		if len(line) < 2 || line[1] != ':' {
			problem("line %d: not a field (X:value); ignored", lineNo)
			continue
		}
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.Name = v
		case 'V':
			cur.Version = v
		case 'A':
			cur.Arch = v
		case 'o':
			cur.Origin = v
		case 'L':
			cur.License = v
		case 'F':
			if withFiles {
				dir = path.Clean("/" + v)
			}
			haveDir = true
		case 'R':
			if !withFiles {
				continue
			}
			if !haveDir {
				problem("line %d: file %q listed before any directory (F:); ignored", lineNo, truncate(v))
				continue
			}
			if truncated {
				continue
			}
			if b := path.Base(path.Clean(v)); b == "." || b == ".." || b == "/" {
				problem("line %d: %q is not a file name; ignored", lineNo, truncate(v))
				continue
			}
			if nFiles >= maxFiles || fileBytes+len(dir)+1+len(v) > maxFileBytes {
				problem("line %d: more than %d files or %d bytes of file names: the rest of the file lists is ignored", lineNo, maxFiles, maxFileBytes)
				truncated = true
				continue
			}
			p := joinFile(dir, v)
			nFiles++
			fileBytes += len(p)
			cur.Files = append(cur.Files, p)
		}
	}
	flush()
	if dropped > 0 {
		problem("more than %d packages: %d records ignored", maxRecords, dropped)
	}
	return entries, problems
}

// joinFile joins a file name to its clean absolute directory, as one
// allocation for the names apk writes (no slash, not a dot name), and
// cleaned otherwise so that no path leaves the root.
func joinFile(dir, name string) string {
	if strings.Contains(name, "/") || name == "." || name == ".." {
		return path.Join(dir, name)
	}
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// truncate shortens a value quoted in a problem, so that one very long line
// does not become a very long warning.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
