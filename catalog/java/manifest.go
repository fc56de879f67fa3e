package java

import (
	"bytes"
	"strings"
)

// ParseManifest returns the main section of a JAR manifest
// (META-INF/MANIFEST.MF): its attributes by name, as written. Later
// duplicates replace earlier ones, as java.util.jar.Manifest does.
//
// The format (JAR File Specification, "Manifest Specification") is a few
// lines of "Name: value", where a line starting with one space continues
// the previous value, and a blank line ends the main section. No Go library
// reads it; it is simple enough to parse here, leniently: lines without a
// ": " separator are skipped rather than rejected, as a scanner must read
// whatever real archives carry.
func ParseManifest(data []byte) map[string]string {
	attrs := map[string]string{}
	var name string
	var value strings.Builder
	flush := func() {
		if name != "" {
			attrs[name] = value.String()
		}
		name = ""
		value.Reset()
	}
	for len(data) > 0 {
		var line []byte
		line, data = nextLine(data)
		switch {
		case len(line) == 0:
			flush()
			return attrs // the end of the main section
		case line[0] == ' ':
			if name != "" {
				value.Write(line[1:])
			}
		default:
			flush()
			k, v, ok := bytes.Cut(line, []byte(": "))
			if !ok {
				k, ok = bytes.CutSuffix(line, []byte(":")) // an empty value
			}
			if ok && len(k) > 0 {
				name = string(k)
				value.Write(v)
			}
		}
	}
	flush()
	return attrs
}

// nextLine splits data after its first line, which ends in CR LF, LF or CR
// (all three are allowed by the specification).
func nextLine(data []byte) (line, rest []byte) {
	i := bytes.IndexAny(data, "\r\n")
	if i < 0 {
		return data, nil
	}
	line, rest = data[:i], data[i+1:]
	if data[i] == '\r' && len(rest) > 0 && rest[0] == '\n' {
		rest = rest[1:]
	}
	return line, rest
}

// attribute returns the value of the manifest attribute name, whose case
// does not matter (java.util.jar.Attributes.Name compares names without
// regard to case).
func attribute(m map[string]string, name string) string {
	if v, ok := m[name]; ok {
		return strings.TrimSpace(v)
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// keptAttributes are the manifest attributes the cataloger reads: what
// names an archive, versions it, tells its Maven group or declares its
// license. Reduce keeps only these.
var keptAttributes = []string{
	"Implementation-Title",
	"Implementation-Version",
	"Implementation-Vendor-Id",
	"Specification-Title",
	"Specification-Version",
	"Bundle-Name",
	"Bundle-SymbolicName",
	"Bundle-Version",
	"Bundle-License",
	"Short-Name",     // Jenkins plugins (.hpi, .jpi)
	"Group-Id",       // Jenkins plugins
	"Plugin-Version", // Jenkins plugins
}

// keep returns the attributes of m the cataloger reads, under their
// canonical names; never nil, since a manifest without them still makes
// its archive a package (named by its file name).
func keep(m map[string]string) map[string]string {
	out := map[string]string{}
	for _, name := range keptAttributes {
		if v := attribute(m, name); v != "" {
			out[name] = v
		}
	}
	return out
}

// bundleLicenses splits an OSGi Bundle-License header: a comma-separated
// list of licenses (an SPDX identifier or a URL), each with optional
// ";attribute=value" parts, or "<<EXTERNAL>>" when the license is stated
// elsewhere.
func bundleLicenses(header string) []string {
	var out []string
	for _, l := range splitOutsideQuotes(header, ',') {
		name, _, _ := strings.Cut(l, ";")
		name = strings.Trim(strings.TrimSpace(name), `"`)
		if name != "" && name != "<<EXTERNAL>>" {
			out = append(out, name)
		}
	}
	return out
}

// splitOutsideQuotes splits s at the separators that are not inside double
// quotes (OSGi header syntax: quoted values may hold commas).
func splitOutsideQuotes(s string, sep rune) []string {
	var out []string
	quoted, start := false, 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == sep && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
