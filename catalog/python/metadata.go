package python

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
)

// Metadata is what the cataloger uses of a distribution's core metadata
// (https://packaging.python.org/specifications/core-metadata/): the header
// block of a METADATA or PKG-INFO file.
type Metadata struct {
	Name              string
	Version           string
	License           string
	LicenseExpression string
	// Classifiers are the "License :: ..." classifiers only.
	Classifiers []string
}

// DefaultMaxHeader bounds the header block of a METADATA or PKG-INFO
// file; real ones are a few kilobytes, the description that follows them
// is not read.
const DefaultMaxHeader = 1 << 20

// ParseMetadata reads the RFC 822 style header block at the start of
// data, up to the first blank line and never more than maxHeader bytes.
// It reports whether the headers were cut at maxHeader. Header names are
// case-insensitive; continuation lines (starting with a space or a tab)
// extend the previous header.
func ParseMetadata(data []byte, maxHeader int) (md Metadata, cut bool) {
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeader
	}
	if end := headerEnd(data); end >= 0 {
		data = data[:end]
	}
	if len(data) > maxHeader {
		data, cut = data[:maxHeader], true
		if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
			data = data[:i] // the last line may be incomplete
		}
	}
	var key string
	var val strings.Builder
	flush := func() {
		if key == "" {
			return
		}
		v := val.String()
		switch strings.ToLower(key) {
		case "name":
			md.Name = strings.TrimSpace(v)
		case "version":
			md.Version = strings.TrimSpace(v)
		case "license":
			md.License = v
		case "license-expression":
			md.LicenseExpression = strings.TrimSpace(v)
		case "classifier":
			if c := strings.TrimSpace(v); strings.HasPrefix(c, "License ::") {
				md.Classifiers = append(md.Classifiers, c)
			}
		}
		key = ""
		val.Reset()
	}
	for rest := data; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if key != "" {
				val.WriteByte('\n')
				val.Write(bytes.TrimSpace(line))
			}
			continue
		}
		flush()
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(k) == 0 || bytes.ContainsAny(k, " \t") {
			continue // not a header: ignored, as the email parser does
		}
		key = string(k)
		val.Write(bytes.TrimSpace(v))
	}
	flush()
	return md, cut
}

// headerEnd returns the offset of the blank line that ends the header
// block, or -1.
func headerEnd(data []byte) int {
	if bytes.HasPrefix(data, []byte("\n")) || bytes.HasPrefix(data, []byte("\r\n")) {
		return 0
	}
	best := -1
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		best = i + 1
	}
	if i := bytes.Index(data, []byte("\n\r\n")); i >= 0 && (best < 0 || i+1 < best) {
		best = i + 1
	}
	return best
}

// maxLicenseLen is the longest License header taken as a license name;
// longer ones (or several lines) are usually the whole license text.
const maxLicenseLen = 100

// Licenses picks the licenses a distribution declares: License-Expression
// (an SPDX expression, metadata 2.4) if present; else the License header
// when it is a short single line; else the last component of each
// "License :: ..." classifier ("MIT License").
func (md Metadata) Licenses() []string {
	if md.LicenseExpression != "" {
		return []string{md.LicenseExpression}
	}
	if l := strings.TrimSpace(md.License); l != "" && len(l) < maxLicenseLen && !strings.Contains(l, "\n") && !strings.EqualFold(l, "UNKNOWN") {
		return []string{l}
	}
	var out []string
	for _, c := range md.Classifiers {
		parts := strings.Split(c, "::")
		l := strings.TrimSpace(parts[len(parts)-1])
		if l == "" || l == "License" || l == "OSI Approved" {
			continue
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

var separators = regexp.MustCompile(`[-_.]+`)

// Normalize returns the PEP 503 normalized form of a project name:
// lowercase, with every run of "-", "_" and "." replaced by one "-".
// Package URLs use it; Package.Name keeps the spelling the distribution
// declares.
func Normalize(name string) string {
	return separators.ReplaceAllString(strings.ToLower(name), "-")
}

// validName reports whether name is a valid project name (PEP 508).
var validName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`).MatchString
