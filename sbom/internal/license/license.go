// Package license sorts the license strings that catalogers find into what
// SBOM formats can carry: SPDX license identifiers, SPDX license expressions,
// and free-form names. Validation goes through github.com/github/go-spdx so
// that the SPDX license list is not copied by hand.
package license

import (
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// Kind says how a license string can be written.
type Kind int

const (
	// Name is anything that is not valid SPDX: "GPL-2+", "public-domain",
	// "BSD-3-clause and GPL", a URL.
	Name Kind = iota
	// ID is one identifier from the SPDX license list, current or
	// deprecated (deprecated identifiers are still valid in SPDX 2.3 and in
	// the CycloneDX license enumeration).
	ID
	// Expression is a valid SPDX license expression that is not a single
	// identifier: "MIT OR Apache-2.0", "GPL-3.0-or-later WITH GCC-exception-3.1".
	Expression
)

func (k Kind) String() string {
	switch k {
	case ID:
		return "id"
	case Expression:
		return "expression"
	default:
		return "name"
	}
}

// maxExpressionLen bounds the strings handed to the expression parser: a
// real expression is a few hundred bytes at most, and anything longer is
// kept as a name.
const maxExpressionLen = 4096

// ListVersion is the version of the SPDX license list used to classify.
func ListVersion() string { return spdxlicenses.LicenseListVersion() }

// Classify says whether s is an SPDX identifier, an SPDX expression or a
// plain name, and returns its normalised form: identifiers in their
// canonical case (the CycloneDX schema enumerates them case-sensitively),
// expressions and names trimmed.
//
// Strings that refer to LicenseRef- or DocumentRef- identifiers are names:
// those references only mean something inside the document that defines
// them, which is never the document we are writing.
func Classify(s string) (Kind, string) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxExpressionLen || hasRef(s) {
		return Name, s
	}
	if ok, id := spdxlicenses.IsActiveLicense(s); ok {
		return ID, id
	}
	if ok, id := spdxlicenses.IsDeprecatedLicense(s); ok {
		return ID, id
	}
	if !strings.ContainsAny(s, " \t()+") {
		// A single token that is not on the list.
		return Name, s
	}
	norm, invalid := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{s}, spdxexp.ValidateLicensesOptions{})
	if len(invalid) != 0 || len(norm) != 1 || norm[0] == "" {
		return Name, s
	}
	if ok, id := spdxlicenses.IsActiveLicense(norm[0]); ok {
		return ID, id
	}
	if ok, id := spdxlicenses.IsDeprecatedLicense(norm[0]); ok {
		return ID, id
	}
	// Keep the expression as written: go-spdx drops redundant parentheses,
	// and rewriting what the package declared would gain nothing.
	return Expression, s
}

func hasRef(s string) bool {
	u := strings.ToUpper(s)
	return strings.Contains(u, "LICENSEREF-") || strings.Contains(u, "DOCUMENTREF-")
}

// Join joins license expressions into one with AND, putting parentheses
// around parts that hold an OR or an AND of their own.
func Join(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if isCompound(p) && !enclosed(p) {
			b.WriteString("(" + p + ")")
		} else {
			b.WriteString(p)
		}
	}
	return b.String()
}

func isCompound(s string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '(' || r == ')' }) {
		if f == "AND" || f == "OR" {
			return true
		}
	}
	return false
}

// Split splits a license expression at its top-level AND operators, the
// reverse of Join: "(MIT OR Apache-2.0) AND BSD-3-Clause" gives
// ["MIT OR Apache-2.0", "BSD-3-Clause"]. It does not validate; a string with
// unbalanced parentheses or no top-level AND is returned whole (trimmed).
// Operators are case-sensitive, as SPDX says, so "GPL and BSD" is one part.
// Parentheses around a part are removed only when there are several parts.
func Split(expr string) []string {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil
	}
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return []string{expr}
			}
		case ' ', '\t':
			if depth == 0 && i+4 < len(expr) && expr[i+1:i+4] == "AND" && (expr[i+4] == ' ' || expr[i+4] == '\t' || expr[i+4] == '(') {
				parts = append(parts, expr[start:i])
				start = i + 4
				i += 3
			}
		}
	}
	if depth != 0 {
		return []string{expr}
	}
	parts = append(parts, expr[start:])
	if len(parts) == 1 {
		return []string{expr}
	}
	out := parts[:0]
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if enclosed(p) {
			p = strings.TrimSpace(p[1 : len(p)-1])
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// enclosed reports whether s is wholly inside one pair of parentheses, as
// "(A OR B)" is and "(A) OR (B)" is not.
func enclosed(s string) bool {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return false
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(s)-1 {
				return false
			}
		}
	}
	return depth == 0
}
