// Package secretvar decides whether a variable assignment (a Dockerfile ARG
// or ENV, an image's environment or label, a build argument recorded in the
// image history) holds a secret, and redacts secrets from text.
//
// A value is a secret when the variable's name says so (PASSWORD, SECRET,
// TOKEN, API_KEY, PRIVATE_KEY, ...) and the value is a real value rather
// than a placeholder, a reference or a file path, or when the value has the
// shape of a well-known credential (AWS access key IDs, GitHub, GitLab,
// Slack, Stripe, npm and Google API tokens, PEM private keys), whatever its
// name.
//
// The rule set is deliberately small: it serves the configuration and
// Dockerfile checks, which see short NAME=VALUE pairs. Finding secrets in
// file contents is the job of check/secret, which has the full rule set.
package secretvar

import (
	"regexp"
	"strings"
	"unicode"
)

// Redacted replaces a secret value in evidence.
const Redacted = "<redacted>"

// secretWords are the name words that announce a secret on their own.
var secretWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
	"secret": true, "token": true, "apikey": true, "credential": true, "credentials": true,
	"privatekey": true, "secretkey": true, "accesskey": true,
}

// keyQualifiers make "key" a secret when they precede it (API_KEY,
// PRIVATE_KEY...). "key" alone is not: GPG_KEY and similar variables hold
// public key fingerprints in many official images.
var keyQualifiers = map[string]bool{
	"api": true, "private": true, "secret": true, "access": true, "encryption": true,
	"signing": true, "master": true, "client": true, "account": true, "auth": true,
}

// metadataWords end names that describe a secret rather than hold it:
// POSTGRES_PASSWORD_FILE, TOKEN_URL, PASSWORD_MIN_LENGTH, ACCESS_KEY_ID...
var metadataWords = map[string]bool{
	"file": true, "path": true, "dir": true, "url": true, "uri": true, "endpoint": true,
	"host": true, "port": true, "user": true, "username": true, "name": true, "id": true,
	"type": true, "len": true, "length": true, "size": true, "min": true, "max": true,
	"age": true, "days": true, "policy": true, "prompt": true, "required": true,
	"enabled": true, "mode": true, "header": true, "method": true, "algorithm": true,
	"version": true, "ttl": true, "timeout": true, "expiry": true, "location": true,
	"ref": true, "env": true, "hash": true, "digest": true, "fingerprint": true,
}

// Placeholders are values that stand for a secret without being one.
var placeholders = map[string]bool{
	"none": true, "null": true, "nil": true, "true": true, "false": true, "yes": true,
	"no": true, "empty": true, "unset": true, "default": true, "placeholder": true,
	"example": true, "dummy": true, "todo": true, "tbd": true, "redacted": true,
	"<redacted>": true, "undefined": true, "secret": true, "password": true, "token": true,
}

var placeholderPattern = regexp.MustCompile(`^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}?|<[^<>]*>|\{\{.*\}\}|[*xX.#-]+|%[A-Za-z_]+%)$`)

// minValueLen is the shortest value taken for a secret; shorter values are
// flags and placeholders ("1", "on").
const minValueLen = 4

// Named reports whether a variable name announces a secret.
func Named(name string) bool {
	words := splitName(name)
	if len(words) == 0 || metadataWords[words[len(words)-1]] {
		return false
	}
	for i, w := range words {
		if w == "public" {
			return false
		}
		if secretWords[w] {
			return true
		}
		if w == "key" && i > 0 && keyQualifiers[words[i-1]] {
			return true
		}
	}
	return false
}

// Placeholder reports whether a value stands for a secret without being
// one: empty, short, a reference to another variable, a file path, a
// template or a conventional placeholder word.
func Placeholder(value string) bool {
	v := strings.TrimSpace(value)
	if len(v) < minValueLen || placeholders[strings.ToLower(v)] {
		return true
	}
	if strings.HasPrefix(v, "/") && !strings.ContainsAny(v, " \t") {
		return true // a path: the secret is in a file, not here
	}
	return placeholderPattern.MatchString(v)
}

// Match reports whether name=value holds a secret, and why ("the name
// PASSWORD", "a GitHub token").
func Match(name, value string) (why string, ok bool) {
	if kind := Shape(value); kind != "" {
		return "the value is " + kind, true
	}
	if Named(name) && !Placeholder(value) {
		return "the name " + name + " says it holds a secret", true
	}
	return "", false
}

type shape struct {
	kind string
	re   *regexp.Regexp
}

// Well-known credential formats, as their issuers document them. Each is
// anchored on a fixed prefix so that ordinary values do not match.
var shapes = []shape{
	{"an AWS access key ID", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})\b`)},
	{"a GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)},
	{"a Stripe secret key", regexp.MustCompile(`\b[rs]k_live_[A-Za-z0-9]{24,}`)},
	{"an npm token", regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`)},
	{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
	{"a private key", regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)},
}

// Shape names the credential format value has ("a GitHub token"), or "".
func Shape(value string) string {
	for _, s := range shapes {
		if s.re.MatchString(value) {
			return s.kind
		}
	}
	return ""
}

// RedactText replaces every well-known credential in s by Redacted; a PEM
// private key is replaced from its BEGIN line to the end of s, since its
// body has no reliable end in a single line of history.
func RedactText(s string) string {
	for _, sh := range shapes {
		if sh.kind == "a private key" {
			if loc := sh.re.FindStringIndex(s); loc != nil {
				s = s[:loc[0]] + Redacted
			}
			continue
		}
		s = sh.re.ReplaceAllLiteralString(s, Redacted)
	}
	return s
}

// splitName splits a variable name into lower-case words at separators
// and camelCase boundaries: "dbPassword" and "DB_PASSWORD" both give
// [db password]; "APIKEY" gives [apikey].
func splitName(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	runes := []rune(name)
	for i, r := range runes {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0 && unicode.IsLower(runes[i-1]):
			flush()
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
