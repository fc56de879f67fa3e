// Package termtext makes text from scanned images and advisories safe to
// print in a terminal table.
package termtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cell makes s safe to print and at most width characters wide. Values
// come from scanned images and advisories and may be hostile: control and
// format characters (escape sequences, bidirectional overrides) and
// invalid UTF-8 become "?", so that a package name cannot rewrite the
// terminal, and long values are cut with "…".
func Cell(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == width-1 && utf8.RuneCountInString(s[i:]) > 1 {
			b.WriteRune('…')
			return b.String()
		}
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
