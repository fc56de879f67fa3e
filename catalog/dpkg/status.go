package dpkg

import (
	"fmt"
	"strings"
)

// Entry is one stanza of a dpkg status file.
type Entry struct {
	Package       string
	Status        string
	Version       string
	Architecture  string
	SourceName    string
	SourceVersion string
}

func (e Entry) key() string { return e.Package + ":" + e.Architecture + "=" + e.Version }

// installed reports whether dpkg considers the package present: not only
// its configuration files left behind, and not merely known.
func (e Entry) installed() bool {
	f := strings.Fields(e.Status)
	if len(f) != 3 {
		return e.Status == "" // distroless status.d files often omit it
	}
	switch f[2] {
	case "not-installed", "config-files":
		return false
	}
	return true
}

// maxStanzas bounds the entries of one status file; real systems have a
// few thousand.
const maxStanzas = 200_000

// ParseStatus parses a dpkg status file (deb822 stanzas, deb-control(5)).
//
// Only five fields are needed, the format is line based, and dpkg itself
// writes these files; a small parser here is easier to make robust against
// hostile files (and to fuzz) than a general deb822 library that decodes
// into structs by reflection. Malformed stanzas are skipped and described
// in problems.
func ParseStatus(data []byte) (entries []Entry, problems []string) {
	var cur Entry
	var field string // the field the current line continues
	lineNo, start := 0, 0
	flush := func() {
		defer func() { cur, field = Entry{}, "" }()
		if cur == (Entry{}) {
			return
		}
		switch {
		case cur.Package == "":
			problems = append(problems, fmt.Sprintf("line %d: stanza without a Package field skipped", start))
			return
		case cur.Version == "":
			problems = append(problems, fmt.Sprintf("line %d: package %q has no Version; skipped", start, cur.Package))
			return
		case len(entries) >= maxStanzas:
			if len(entries) == maxStanzas {
				problems = append(problems, fmt.Sprintf("more than %d packages: the rest is ignored", maxStanzas))
			}
			return
		}
		if cur.SourceName == "" {
			cur.SourceName = cur.Package
		}
		if cur.SourceVersion == "" {
			cur.SourceVersion = cur.Version
		}
		entries = append(entries, cur)
	}
	for rest := string(data); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if cur == (Entry{}) && field == "" {
			start = lineNo
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field we do not need
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			problems = append(problems, fmt.Sprintf("line %d: not a field", lineNo))
			continue
		}
		field = name
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "package":
			cur.Package = value
		case "status":
			cur.Status = value
		case "version":
			cur.Version = value
		case "architecture":
			cur.Architecture = value
		case "source":
			// "Source: glibc (2.36-9+deb12u4)" when the version differs.
			src, ver, _ := strings.Cut(value, " ")
			cur.SourceName = src
			ver = strings.TrimSpace(ver)
			if strings.HasPrefix(ver, "(") && strings.HasSuffix(ver, ")") {
				cur.SourceVersion = strings.TrimSpace(ver[1 : len(ver)-1])
			}
		}
	}
	flush()
	return entries, problems
}
