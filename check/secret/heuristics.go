package secret

import (
	"hash/crc32"
	"math"
	"regexp"
	"strings"
)

// placeholderWords in a value mark it as an example, a template or a
// reference rather than a secret. "example" covers AWS's documented
// example keys (AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY),
// which AWS publishes as not valid: reporting them would flag every image
// that ships the AWS SDKs' documentation and tests.
var placeholderWords = []string{
	"example", "changeme", "change_me", "change-me", "changeit", "placeholder", "your_", "your-", "yourtoken",
	"yourpass", "yoursecret", "yourkey", "redacted", "dummy", "sample", "fake", "replace", "insert", "todo",
	"notreal", "not_real", "not-a-", "secret", "password", "passwd", "token", "${", "{{", "$(", "<", ">",
	"xxxx", "****", "....", "----", "____", "####",
}

// placeholder reports whether s looks like a placeholder: it holds a
// placeholder word in lower or upper case (mixed case would match random
// base-64 text too often: "ToDo" occurs in about 1 of 1,000 random keys of
// 88 characters, "todo" or "TODO" in 1 of 100,000), five zeros in a row
// (T00000000), or any character eight times in a row. Random 36-character
// base-62 tokens hold such runs with a probability below 1e-6; runs of
// other digits are left alone, since numeric IDs (Slack's) hold "22222"
// once in 400 tokens.
func placeholder(s string) bool {
	for _, w := range placeholderWords {
		if strings.Contains(s, w) || strings.Contains(s, strings.ToUpper(w)) {
			return true
		}
	}
	run := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[i-1] {
			run = 1
			continue
		}
		if run++; run >= 8 || (run >= 5 && s[i] == '0') {
			return true
		}
	}
	return false
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// mixed reports whether s has lower-case letters, upper-case letters and
// digits, as generated tokens do.
func mixed(s string) bool {
	var lower, upper, digit bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		}
	}
	return lower && upper && digit
}

// randomBase64 accepts a 40-character AWS secret access key candidate: a
// random base-64 string of that length has about 5 bits of entropy per
// character and all three character classes; a SHA-1 in hex has neither.
func randomBase64(s string) bool { return mixed(s) && entropy(s) >= 4.2 }

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// githubChecksum verifies the last 6 characters of s, the random part of
// a GitHub token after its "ghp_" prefix: the CRC-32 (IEEE) of the first 30
// characters, in base 62, zero-padded.
func githubChecksum(s string) bool {
	if len(s) != 36 {
		return false
	}
	sum := crc32.ChecksumIEEE([]byte(s[:30]))
	var b [6]byte
	for i := 5; i >= 0; i-- {
		b[i] = base62[sum%62]
		sum /= 62
	}
	return string(b[:]) == s[30:]
}

var (
	// nonSecretName ends names whose value is about a secret, not the
	// secret: password_file, token_url, min_password_length, api_key_id.
	nonSecretName = regexp.MustCompile(`(?i)(?:file|path|dir|url|uri|endpoint|length|len|size|min|max|type|name|field|prompt|policy|hash|id|env|var|format|mode|count|timeout|expiry|expires|ttl|regex|pattern|header|param|enabled|required|label|hint|method|class|provider|command|cmd|helper|store|location|source|ref|_at)$`)
	// identifier matches a reference to another variable or attribute:
	// settings.api_token, os.environ, CONFIG_TOKEN_V2.
	identifier = regexp.MustCompile(`^(?:[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)+|[A-Z0-9_]*_[A-Z0-9_]*)$`)
)

// generic accepts a value assigned to a secret-sounding name when it looks
// generated: letters and digits, no code or template syntax, not a path,
// URL or reference, and at least 3 bits of entropy per character. The
// thresholds were tuned on the Debian bookworm image (zero findings) and
// the positive and negative corpus of the tests.
func generic(name, v string) (string, bool) {
	if nonSecretName.MatchString(name) {
		return "", false
	}
	if strings.ContainsAny(v, "()[]{}<>$%\\|") || identifier.MatchString(v) {
		return "", false
	}
	for _, p := range []string{"/", "./", "../", "~/", "http:", "https:", "file:", "-", "=", "@", "&", "*", "!"} {
		if strings.HasPrefix(v, p) {
			return "", false
		}
	}
	var letter, digit bool
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
			letter = true
		case '0' <= b && b <= '9':
			digit = true
		}
	}
	if !letter || !digit || len(v) < 10 || entropy(v) < 3.0 {
		return "", false
	}
	return "assigned to " + name, true
}
