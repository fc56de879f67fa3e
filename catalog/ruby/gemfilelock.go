package ruby

import (
	"fmt"
	"strings"
)

// Locked is one gem of a Gemfile.lock.
type Locked struct {
	Name     string
	Version  string
	Platform string // "" for "ruby"
	// Source is the section that pins the gem: "GEM" (a gem server),
	// "GIT", "PATH" (a local directory) or "PLUGIN SOURCE".
	Source string
	// Remote is the source's "remote:" (the gem server, repository or
	// directory); Revision is a GIT source's commit.
	Remote   string
	Revision string
}

// maxProblems bounds the problems reported for one file.
const maxProblems = 20

// sources are the Gemfile.lock sections whose specs are locked gems.
var sources = map[string]bool{"GEM": true, "GIT": true, "PATH": true, "PLUGIN SOURCE": true}

// ParseGemfileLock reads the specs of a Gemfile.lock, in the format
// Bundler writes (Bundler::LockfileParser): a section header at column 0,
// the source's attributes ("remote:", "revision:") at 2 spaces, "specs:",
// then each locked gem at 4 spaces as "NAME (VERSION)" or
// "NAME (VERSION-PLATFORM)", its dependencies at 6. As Bundler does, the
// version ends at the first "-" and the platform follows it. The file is
// line-oriented and tiny; no Go library reads it. Bundler does not record
// Gemfile groups (development, test) in the lock file, so no gem can be
// marked as a development one.
func ParseGemfileLock(data []byte) ([]Locked, []string) {
	var out []Locked
	var problems []string
	var section, remote, revision string
	text := string(data)
	for lineNo := 1; text != ""; lineNo++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		line = strings.TrimSuffix(line, "\r")
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == len(line):
		case indent == 0:
			section, remote, revision = line, "", ""
		case !sources[section]:
		case indent == 2:
			key, value, _ := strings.Cut(line[2:], ": ")
			switch key {
			case "remote":
				remote = value
			case "revision":
				revision = value
			}
		case indent == 4:
			l, problem := parseSpec(line[4:])
			if problem != "" {
				if len(problems) < maxProblems {
					problems = append(problems, fmt.Sprintf("line %d: spec %q: %s", lineNo, trim(line[4:]), problem))
				}
				continue
			}
			l.Source, l.Remote, l.Revision = section, remote, revision
			out = append(out, l)
		}
	}
	return out, problems
}

// parseSpec reads "NAME (VERSION[-PLATFORM])", or says what is wrong
// with it.
func parseSpec(s string) (Locked, string) {
	name, rest, ok := strings.Cut(s, " (")
	switch {
	case !ok || !strings.HasSuffix(rest, ")"):
		return Locked{}, "no version"
	case !validName(name):
		return Locked{}, "invalid gem name"
	}
	version, platform, _ := strings.Cut(strings.TrimSuffix(rest, ")"), "-")
	if !validVersion(version) || !validPlatform(normalPlatform(platform)) {
		return Locked{}, "invalid version"
	}
	return Locked{Name: name, Version: version, Platform: normalPlatform(platform)}, ""
}

// validName is RubyGems' Gem::Specification::VALID_NAME_PATTERN,
// /\A[a-zA-Z0-9\.\-\_]+\z/, with a length bound.
func validName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		if c != '.' && c != '-' && c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validVersion accepts what Gem::Version can be written as: digits,
// letters and dots, starting with a digit.
func validVersion(s string) bool {
	if s == "" || len(s) > 128 || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, c := range []byte(s) {
		if c != '.' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// trim shortens a value quoted in a problem.
func trim(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
