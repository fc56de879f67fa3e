package javascript

import (
	"bytes"
	"fmt"
	"strings"
)

// parseYarnLock reads a yarn.lock of yarn classic (v1) or yarn berry (v2
// and later).
//
// It is a line parser rather than a YAML decoder, for both formats. The
// classic format is not YAML ("version "1.2.3"", keys without quotes or
// with several quoted parts) and has no published grammar beyond yarn's
// own parser (yarnpkg/yarn src/lockfile/parse.js), and only two levels of
// it matter here: the entry keys, at column 0 and ending in ":", and the
// entry fields indented by two spaces. Berry writes its lock file with its
// own serializer (stringifySyml) in the same two-level layout, with
// "field: value" lines; reading it line by line keeps YAML anchors and
// aliases, and their blow-ups, out of the question. Dependency lists,
// indented deeper, are skipped.
func parseYarnLock(data []byte) ([]record, []string, error) {
	var recs []record
	var problems []string
	problem := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf(format, args...))
		} else if len(problems) == maxProblems {
			problems = append(problems, "more problems not reported")
		}
	}
	var key, version, resolution string
	inEntry := false
	flush := func() {
		if !inEntry {
			return
		}
		inEntry = false
		if key == "__metadata" {
			return
		}
		r, ok, skip := yarnRecord(key, version, resolution)
		switch {
		case skip:
		case !ok:
			problem("yarn.lock: entry %q has no valid name and version", shorten(key))
		default:
			recs = append(recs, r)
		}
	}
	lineNo := 0
	for rest := data; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		lineNo++
		line = bytes.TrimRight(line, " \t\r")
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if line[0] != ' ' {
			flush()
			if line[len(line)-1] != ':' {
				problem("yarn.lock line %d: not an entry", lineNo)
				continue
			}
			key, version, resolution, inEntry = string(line[:len(line)-1]), "", "", true
			continue
		}
		if !inEntry || len(line) < 3 || line[1] != ' ' || line[2] == ' ' {
			continue // a deeper level: dependencies, bin, peer metadata
		}
		field, value := splitYarnField(string(line[2:]))
		switch field {
		case "version":
			version = value
		case "resolution":
			resolution = value
		}
	}
	flush()
	return recs, problems, nil
}

// maxProblems bounds the problems one file reports.
const maxProblems = 20

// splitYarnField splits `version "1.2.3"` (classic) or `version: 1.2.3`
// (berry) into the field name and its unquoted value.
func splitYarnField(s string) (field, value string) {
	i := strings.IndexAny(s, ": ")
	if i < 0 {
		return s, ""
	}
	field = strings.Trim(s[:i], `"`)
	value = strings.TrimSpace(strings.TrimPrefix(s[i:], ":"))
	return field, unquote(value)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// yarnRecord makes a record of an entry. skip is set for entries that are
// not packages from a registry or a tarball: the project's own workspaces
// and links.
func yarnRecord(key, version, resolution string) (r record, ok, skip bool) {
	r.Version = version
	if resolution != "" {
		// Berry: "name@protocol:reference".
		name, ref, found := cutName(resolution)
		if !found {
			return record{}, false, false
		}
		protocol, _, _ := strings.Cut(ref, ":")
		switch protocol {
		case "workspace", "link", "portal":
			return record{}, false, true
		}
		r.Name = name
	} else {
		// Classic: the first of the comma-separated specs "name@range".
		spec, _, _ := strings.Cut(key, ",")
		name, rng, found := cutName(unquote(strings.TrimSpace(spec)))
		if !found {
			return record{}, false, false
		}
		r.Name = name
		if real, ok := strings.CutPrefix(rng, "npm:"); ok {
			// An alias "alias@npm:name@range" installs name.
			if n, _, found := cutName(real); found {
				r.Name = n
			}
		}
	}
	if !validName(r.Name) || !validVersion(r.Version) {
		return record{}, false, false
	}
	return r, true, false
}

// cutName splits "name@rest" or "@scope/name@rest" at the "@" that ends
// the name.
func cutName(s string) (name, rest string, ok bool) {
	if len(s) < 2 {
		return "", "", false
	}
	i := strings.IndexByte(s[1:], '@')
	if i < 0 {
		return "", "", false
	}
	return s[:i+1], s[i+2:], true
}

func shorten(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}
