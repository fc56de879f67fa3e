package ruby

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Gemspec is what the cataloger reads from an installed gem's
// specification.
type Gemspec struct {
	Name    string
	Version string
	// Platform is "" for pure-Ruby gems ("ruby"), or a platform such as
	// "x86_64-linux" or "java" for gems built for one.
	Platform string
	Licenses []string
}

// Bounds on what one assignment can hold: real names, versions and
// license lists are far shorter.
const (
	maxLicenses = 64
	maxLiteral  = 1024
)

// ParseGemspec reads the specification RubyGems writes for an installed
// gem (specifications/NAME-VERSION[-PLATFORM].gemspec).
//
// A gemspec is Ruby code, and no Go library evaluates Ruby; a Ruby
// interpreter is out of the question for a scanner. But installed
// specifications are not written by people: RubyGems generates them with
// Gem::Specification#to_ruby_for_cache, always in the same shape:
//
//	# -*- encoding: utf-8 -*-
//	# stub: rack 2.2.22 ruby lib
//
//	Gem::Specification.new do |s|
//	  s.name = "rack".freeze
//	  s.version = "2.2.22"
//	  s.platform = "x86_64-linux".freeze
//	  s.licenses = ["MIT".freeze]
//
// So this is a small line parser for that subset, not a Ruby parser: the
// "# stub:" line (which RubyGems itself reads instead of evaluating the
// file, Gem::StubSpecification), and one-line assignments to name, version
// (a string or Gem::Version.new("...")), platform and licenses/license
// whose values are string literals (double- or single-quoted, with Ruby's
// escapes, optionally .freeze) or arrays of them. Assignments win over the
// stub line, which is the fallback. Anything else (an expression such as
// Foo::VERSION) is not evaluated: problems say which attributes could not
// be read. Its work is linear in the size of data.
func ParseGemspec(data []byte) (Gemspec, []string) {
	var spec, stub Gemspec
	var problems []string
	seen := map[string]bool{}
	for lineNo := 1; len(data) > 0; lineNo++ {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSpace(line)
		if lineNo <= 3 && stub.Name == "" && bytes.HasPrefix(line, []byte("# stub: ")) {
			// A second stub line lists the extensions' build files.
			stub = parseStub(string(line[len("# stub: "):]))
			continue
		}
		attrBytes, value, ok := assignment(line)
		if !ok || seen[string(attrBytes)] {
			continue
		}
		attr := string(attrBytes)
		seen[attr] = true
		if err := spec.set(attr, value); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %s: %v", lineNo, attr, err))
		}
	}
	if spec.Name == "" {
		spec.Name = stub.Name
	}
	if spec.Version == "" {
		spec.Version = stub.Version
	}
	if spec.Platform == "" && !seen["platform"] {
		spec.Platform = stub.Platform
	}
	return spec, problems
}

// parseStub reads the fields of a "# stub: NAME VERSION PLATFORM PATHS"
// line.
func parseStub(s string) Gemspec {
	f := strings.Fields(s)
	if len(f) < 3 || len(f[0])+len(f[1])+len(f[2]) > maxLiteral {
		return Gemspec{}
	}
	return Gemspec{Name: f[0], Version: f[1], Platform: normalPlatform(f[2])}
}

// normalPlatform maps RubyGems' "ruby" (no particular platform) to "".
func normalPlatform(p string) string {
	if p == "ruby" {
		return ""
	}
	return p
}

// attributes are the assignments the parser reads.
var attributes = map[string]bool{"name": true, "version": true, "platform": true, "licenses": true, "license": true}

// assignment splits "s.ATTR = VALUE" for the attributes of interest; the
// receiver is any identifier (s, spec, gem).
func assignment(line []byte) (attr, value []byte, ok bool) {
	dot := bytes.IndexByte(line, '.')
	if dot <= 0 || !isIdent(line[:dot]) {
		return nil, nil, false
	}
	rest := line[dot+1:]
	eq := bytes.IndexByte(rest, '=')
	if eq <= 0 {
		return nil, nil, false
	}
	attr = bytes.TrimSpace(rest[:eq])
	value = bytes.TrimSpace(rest[eq+1:])
	if !attributes[string(attr)] || bytes.HasPrefix(value, []byte("=")) { // s.name == x
		return nil, nil, false
	}
	return attr, value, true
}

func isIdent(b []byte) bool {
	for i, c := range b {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return len(b) > 0
}

// set assigns the Ruby value of attr.
func (g *Gemspec) set(attr string, value []byte) error {
	if attr == "licenses" || attr == "license" {
		list, err := stringList(value)
		for _, l := range list {
			if l != "" {
				g.Licenses = append(g.Licenses, l)
			}
		}
		return err
	}
	if attr == "version" {
		if inner, ok := bytes.CutPrefix(value, []byte("Gem::Version.new(")); ok {
			value = inner
		}
	}
	s, _, err := stringLiteral(value)
	if err != nil {
		return err
	}
	switch attr {
	case "name":
		g.Name = s
	case "version":
		g.Version = s
	case "platform":
		g.Platform = normalPlatform(s)
	}
	return nil
}

// stringList reads a string literal or an array of string literals, at
// most maxLicenses of them.
func stringList(value []byte) ([]string, error) {
	rest, ok := bytes.CutPrefix(value, []byte("["))
	if !ok {
		s, _, err := stringLiteral(value)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var out []string
	for {
		rest = bytes.TrimLeft(rest, " \t")
		if len(rest) > 0 && rest[0] == ']' {
			return out, nil
		}
		if len(out) == maxLicenses {
			return out, fmt.Errorf("more than %d strings: the rest are left out", maxLicenses)
		}
		s, n, err := stringLiteral(rest)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		rest = bytes.TrimLeft(rest[n:], " \t")
		if r, ok := bytes.CutPrefix(rest, []byte(",")); ok {
			rest = r
		} else if len(rest) == 0 || rest[0] != ']' {
			return nil, fmt.Errorf("not an array of strings")
		}
	}
}

// stringLiteral reads the Ruby string literal at the start of b, with an
// optional ".freeze", and returns its value and the bytes it took.
func stringLiteral(b []byte) (string, int, error) {
	if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
		return "", 0, fmt.Errorf("not a string literal")
	}
	quote := b[0]
	var sb strings.Builder
	i := 1
	for ; i < len(b) && b[i] != quote; i++ {
		if sb.Len() > maxLiteral {
			return "", 0, fmt.Errorf("string longer than %d bytes", maxLiteral)
		}
		if b[i] != '\\' || i+1 == len(b) {
			sb.WriteByte(b[i])
			continue
		}
		i++
		if quote == '\'' { // only \' and \\ are escapes
			if b[i] != '\'' && b[i] != '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(b[i])
			continue
		}
		i += escape(&sb, b[i:]) - 1
	}
	if i >= len(b) {
		return "", 0, fmt.Errorf("unterminated string")
	}
	n := i + 1
	if bytes.HasPrefix(b[n:], []byte(".freeze")) {
		n += len(".freeze")
	}
	if !utf8.ValidString(sb.String()) {
		return "", 0, fmt.Errorf("string is not UTF-8")
	}
	return sb.String(), n, nil
}

// simpleEscapes are Ruby's one-character escapes in double quotes.
var simpleEscapes = map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', 'e': 0x1b, 's': ' ', 'a': 7, 'b': 8, 'f': 12, 'v': 11, '0': 0}

// escape writes the character of the escape sequence at the start of b
// (after the backslash), as String#dump writes them, and returns its
// length. An unknown escape stands for the character itself (\" \\ \#).
func escape(sb *strings.Builder, b []byte) int {
	if c, ok := simpleEscapes[b[0]]; ok {
		sb.WriteByte(c)
		return 1
	}
	switch {
	case b[0] == 'u' && len(b) > 1 && b[1] == '{':
		if end := bytes.IndexByte(b, '}'); end > 2 && end <= 10 {
			if r, err := strconv.ParseUint(string(b[2:end]), 16, 32); err == nil && r <= utf8.MaxRune {
				sb.WriteRune(rune(r))
				return end + 1
			}
		}
	case b[0] == 'u' && len(b) >= 5:
		if r, err := strconv.ParseUint(string(b[1:5]), 16, 32); err == nil {
			sb.WriteRune(rune(r))
			return 5
		}
	case b[0] == 'x' && len(b) >= 3:
		if c, err := strconv.ParseUint(string(b[1:3]), 16, 8); err == nil {
			sb.WriteByte(byte(c))
			return 3
		}
	}
	sb.WriteByte(b[0])
	return 1
}
