package python

import (
	"fmt"
	"strings"
)

// Requirement is one pinned line of a requirements file.
type Requirement struct {
	Name    string
	Version string
	Line    int // 1-based, of the first physical line
}

// Bounds on what one requirements file can make the parser do.
const (
	maxProblems     = 100
	maxIncludeDepth = 8
	maxIncludes     = 64 // files read through -r from one root file
)

// ParseRequirements returns the pinned requirements of a pip requirements
// file ("name==version", with optional extras, environment markers,
// comments and per-requirement options such as --hash), and the files it
// includes with -r/--requirement, as written. Unpinned requirements,
// URLs, editable installs, constraints files (-c) and global options are
// skipped: they name no single version.
func ParseRequirements(data []byte) (reqs []Requirement, includes []string, problems []string) {
	problem := func(line int, format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
		}
	}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimSuffix(lines[i], "\r")
		// A backslash at the end of a line joins the next one (pip does
		// this before it strips comments).
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSuffix(lines[i], "\r")
		}
		line = stripComment(line)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "-") {
			if inc, ok := includeOf(line); ok {
				if inc == "" {
					problem(start, "-r without a file name")
				} else {
					includes = append(includes, inc)
				}
			}
			continue // other options: -c, -e, -i, --index-url, ...
		}
		name, version, ok := parsePinned(line)
		if !ok {
			continue
		}
		if !validName(name) {
			problem(start, "invalid project name %q", name)
			continue
		}
		reqs = append(reqs, Requirement{Name: name, Version: version, Line: start})
	}
	return reqs, includes, problems
}

// stripComment removes a comment: "#" at the start of the line or after
// whitespace (a "#" inside a URL fragment stays).
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// includeOf returns the file of a -r/--requirement option line.
func includeOf(line string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(line, "--requirement"):
		rest = strings.TrimPrefix(line, "--requirement")
	case strings.HasPrefix(line, "-r"):
		rest = strings.TrimPrefix(line, "-r")
	default:
		return "", false
	}
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '=' && !strings.HasPrefix(line, "-r") {
		return "", false // --requirementsXYZ: some other option
	}
	rest = strings.TrimLeft(rest, " \t=")
	if f := strings.Fields(rest); len(f) > 0 {
		return f[0], true
	}
	return "", true
}

// parsePinned parses "name[extras] == version ; markers --options" and
// reports whether it pins one version (== or ===, without wildcards).
func parsePinned(line string) (name, version string, ok bool) {
	if i := strings.IndexByte(line, ';'); i >= 0 {
		line = line[:i] // environment markers
	}
	if i := strings.Index(line, " -"); i >= 0 {
		line = line[:i] // per-requirement options: --hash=..., --config-settings
	}
	if strings.Contains(line, "@") || strings.Contains(line, "://") {
		return "", "", false // direct reference
	}
	i := strings.Index(line, "==")
	if i < 0 {
		return "", "", false
	}
	name, version = strings.TrimSpace(line[:i]), strings.TrimSpace(strings.TrimPrefix(line[i+2:], "="))
	if j := strings.IndexByte(name, '['); j >= 0 {
		if !strings.HasSuffix(name, "]") {
			return "", "", false
		}
		name = strings.TrimSpace(name[:j])
	}
	if version == "" || strings.ContainsAny(version, "*,<>=!~ \t") {
		return "", "", false // a wildcard, a range, or garbage
	}
	return name, version, name != ""
}
