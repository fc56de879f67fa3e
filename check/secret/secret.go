// Package secret finds credentials in the files of an image: private keys,
// cloud credentials (AWS, Google Cloud, Azure), GitHub, GitLab, Slack and
// Stripe tokens, JSON Web Tokens, package manager and registry logins
// (.npmrc, .pypirc, .netrc, Docker's config.json), kubeconfigs and generic
// high-entropy assignments (checks SEC-001 to SEC-019, see Definitions).
//
// It reads every layer, including the files a later layer deleted or
// replaced: they still ship inside the image. In the scan pipeline, Filter
// runs the rules while a layer streams, so that only the redacted findings
// of a file are kept in memory and in the layer cache, never its content;
// Check then reports the findings of every version of every file. ScanBytes
// runs the same rules on any text: a Dockerfile, a manifest, an environment
// value.
//
// Secrets are never reported: a finding shows the public prefix of a token
// ("ghp_****"), nothing of a password or private key, and a Fingerprint
// that identifies it across scans for allow-lists.
package secret

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
)

// Options bound and tune a scan. The zero value means the defaults.
type Options struct {
	// MaxFileSize is how much of a file is scanned (default 1 MiB); the
	// rest is ignored.
	MaxFileSize int64
	// MaxLayerBytes bounds what Check scans, per layer, of the files that
	// a cataloger keeps whole (default 256 MiB). Files that Filter reduced
	// were scanned while their layer streamed, each within MaxFileSize.
	MaxLayerBytes int64
	// MaxMatches bounds the matches reported for one file (default 100).
	MaxMatches int
	// Allow suppresses findings by path, rule or fingerprint.
	Allow Allow
	// FingerprintKey, if set, keys the hash of each secret in fingerprints
	// (HMAC-SHA-256). The default key is public, which is safe for the
	// random secrets most rules find, whose hash cannot be reversed by
	// search; a weak password in a .netrc could be confirmed by guessing.
	// Set a private key to rule that out; fingerprints then differ from
	// those of scans under another key.
	FingerprintKey []byte
}

// Defaults.
const (
	DefaultMaxFileSize   = 1 << 20
	DefaultMaxLayerBytes = 256 << 20
	DefaultMaxMatches    = 100
)

var defaultKey = []byte("vigil secret fingerprint v1")

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxLayerBytes <= 0 {
		o.MaxLayerBytes = DefaultMaxLayerBytes
	}
	if o.MaxMatches <= 0 {
		o.MaxMatches = DefaultMaxMatches
	}
	if len(o.FingerprintKey) == 0 {
		o.FingerprintKey = defaultKey
	}
	return o
}

// Match is one secret found in a text, already redacted.
type Match struct {
	// RuleID is the check's ID ("SEC-008").
	RuleID string `json:"rule"`
	// Line is 1-based.
	Line int `json:"line"`
	// Redacted shows the public prefix of the secret, if it has one,
	// followed by "****"; it is empty for private keys.
	Redacted string `json:"redacted,omitempty"`
	// Snippet is the matched text with the secret replaced by Redacted,
	// on one line, at most 160 bytes.
	Snippet string `json:"snippet,omitempty"`
	// Detail says more without revealing the secret: the registry or
	// machine it logs in to, the key type.
	Detail string `json:"detail,omitempty"`
	// Digest is the keyed hash of the secret (Options.FingerprintKey),
	// which Fingerprint combines with the rule and the file.
	Digest string `json:"digest"`
}

// Fingerprint identifies a secret found by a rule in a file across scans:
// the hex SHA-256 of the rule, the file and the secret's keyed digest. It
// does not reveal the secret.
func (m Match) Fingerprint(file string) string {
	h := sha256.New()
	for _, s := range []string{m.RuleID, file, m.Digest} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ScanBytes returns the secrets in data, the content of the file at path
// (rooted, "/root/.npmrc", or as given: "Dockerfile", "ENV API_TOKEN").
// Rules that depend on the file name (.npmrc, .pypirc, .netrc, Docker
// config) look at path's base name; the others apply to any text, so the
// value of an ENV instruction or a Kubernetes manifest can be scanned with
// a made-up path. Binary data (a NUL byte in the first 8 KiB) is not
// scanned; at most opts.MaxFileSize bytes are. Matches that opts.Allow
// suppresses are left out.
func ScanBytes(path string, data []byte, opts Options) []Match {
	opts = opts.withDefaults()
	var out []Match
	for _, m := range scan(path, data, opts) {
		if !opts.Allow.Allows(m.RuleID, path, m.Fingerprint(path)) {
			out = append(out, m)
		}
	}
	return out
}

// binaryHead is how much of a file is looked at for a NUL byte.
const binaryHead = 8 << 10

// IsBinary reports whether data looks binary: a NUL byte in its first
// 8 KiB. Such files (executables, archives, compressed files, UTF-16
// text) are not scanned.
func IsBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binaryHead)], 0) >= 0
}

// scan runs every rule over data, without the allow-list.
func scan(path string, data []byte, o Options) []Match {
	if IsBinary(data) {
		return nil
	}
	data = data[:min(int64(len(data)), o.MaxFileSize)]
	buf := lowerPool.Get().(*[]byte)
	defer lowerPool.Put(buf)
	*buf = asciiLower(data, (*buf)[:0])
	t := &text{data: data, lower: *buf}
	base := path[strings.LastIndexByte(path, '/')+1:]
	var hits []hit
	for i := range rules {
		r := &rules[i]
		if r.file != nil && !r.file(base) {
			continue
		}
		if !r.enabled(t) || (r.gate != nil && !r.gate(data, t.lower)) {
			continue
		}
		found := r.find(t, o.MaxMatches)
		for j := range found {
			found[j].rule = i
		}
		hits = append(hits, found...)
	}
	hits = dropOverlaps(hits)
	if len(hits) > o.MaxMatches {
		hits = hits[:o.MaxMatches]
	}
	return toMatches(data, hits, o.FingerprintKey)
}

// hit is a secret at data[start:end] before it is redacted.
type hit struct {
	rule       int // index in rules
	start, end int // the matched text, for overlaps, the line and the snippet
	secret     string
	detail     string
	// sstart and send locate the secret in the matched text, to redact
	// the snippet; both 0 when the snippet is the header line only.
	sstart, send int
}

// dropOverlaps keeps, of hits whose texts overlap, the one of the rule
// listed first (the more specific: a GitHub token assigned to GH_TOKEN is
// SEC-008, not SEC-019), and one hit per rule and secret. It returns the
// hits in the order of the text.
func dropOverlaps(hits []hit) []hit {
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(a.rule, b.rule), cmp.Compare(a.start, b.start)) })
	var kept []hit
	seen := map[string]bool{}
	for _, h := range hits {
		key := rules[h.rule].def.ID + "\x00" + h.secret
		if seen[key] {
			continue
		}
		i, _ := slices.BinarySearchFunc(kept, h.start, func(k hit, start int) int { return cmp.Compare(k.start, start) })
		if (i > 0 && kept[i-1].end > h.start) || (i < len(kept) && kept[i].start < h.end) {
			continue
		}
		seen[key] = true
		kept = slices.Insert(kept, i, h)
	}
	return kept
}

// toMatches redacts hits (sorted by start) and numbers their lines.
func toMatches(data []byte, hits []hit, key []byte) []Match {
	out := make([]Match, 0, len(hits))
	line, pos := 1, 0
	for _, h := range hits {
		line += bytes.Count(data[pos:h.start], []byte{'\n'})
		pos = h.start
		r := &rules[h.rule]
		red := r.redact(h.secret)
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(h.secret))
		out = append(out, Match{
			RuleID: r.def.ID, Line: line, Redacted: red, Detail: h.detail,
			Snippet: snippet(data[h.start:h.end], h.sstart, h.send, red),
			Digest:  hex.EncodeToString(mac.Sum(nil)),
		})
	}
	return out
}

// maxSnippet bounds Match.Snippet.
const maxSnippet = 160

// snippet is the first line of text with text[s:e] (the secret) replaced
// by red, cut to maxSnippet bytes on a UTF-8 boundary.
func snippet(text []byte, s, e int, red string) string {
	var b []byte
	if e > s {
		b = append(append(append(b, text[:s]...), red...), text[e:]...)
	} else {
		b = text
	}
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	if len(b) > maxSnippet {
		b = b[:maxSnippet]
		for len(b) > 0 && b[len(b)-1]&0xc0 == 0x80 {
			b = b[:len(b)-1]
		}
		if len(b) > 0 && b[len(b)-1] >= 0xc0 {
			b = b[:len(b)-1]
		}
	}
	return strings.ToValidUTF8(strings.TrimSpace(string(b)), "?")
}

// lowerPool holds the buffers of lower-cased text: a scan of every text
// file of an image would otherwise allocate as much again.
var lowerPool = sync.Pool{New: func() any { return new([]byte) }}

// asciiLower appends data to dst with ASCII letters lowered, so that
// offsets in the result are offsets in data (bytes.ToLower may change the
// length of UTF-8 text).
func asciiLower(data, dst []byte) []byte {
	for _, c := range data {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
