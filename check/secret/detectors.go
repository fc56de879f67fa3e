package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// pemHeader is the first line of a private key block; label is its type.
var pemHeader = regexp.MustCompile(`-----BEGIN (?P<label>(?:[A-Z0-9]+ ){0,3})PRIVATE KEY(?: BLOCK)?-----`)

// maxPEM bounds how far a block's END line is looked for: an 8192-bit RSA
// key is about 6.5 KB of PEM.
const maxPEM = 32 << 10

// pemFinder returns the detector of private key blocks that are
// encrypted (or not).
func pemFinder(encrypted bool) func(t *text, limit int) []hit {
	return func(t *text, limit int) []hit {
		var out []hit
		data := t.data
		endAt := -1 // the next END line at or after the last header, or len(data)
		for _, w := range t.windows([]string{"private key"}) {
			for _, loc := range pemHeader.FindAllSubmatchIndex(data[w[0]:w[1]], -1) {
				start, hdrEnd := w[0]+loc[0], w[0]+loc[1]
				if endAt < hdrEnd {
					// Searched once per END line, not once per header: a
					// file of headers without an END costs linear time.
					endAt = len(data)
					if i := bytes.Index(data[hdrEnd:], []byte("-----END ")); i >= 0 {
						endAt = hdrEnd + i
					}
				}
				if endAt == len(data) || endAt-hdrEnd > maxPEM {
					continue
				}
				label := strings.TrimSpace(string(data[w[0]+loc[2] : w[0]+loc[3]]))
				k, ok := parsePEM(label, data[hdrEnd:min(len(data), endAt+64)])
				if !ok || k.encrypted != encrypted {
					continue
				}
				out = append(out, hit{start: start, end: hdrEnd + k.end, secret: k.body, detail: k.kind})
				if len(out) >= limit {
					return out
				}
			}
		}
		return out
	}
}

// pemKey is what parsePEM found.
type pemKey struct {
	kind      string // "RSA", "PKCS#8", "OpenSSH", ...
	encrypted bool
	body      string // the decoded key, the secret
	end       int    // offset of the end of the END line in the input
}

// parsePEM reads the block after a BEGIN line whose label is label. The
// body must decode from base 64 to what the label promises (a DER
// SEQUENCE, an OpenSSH key, an OpenPGP secret key packet), so that
// documentation with a shortened or made-up body is not reported. Newlines
// may be escaped ("\n", as in JSON or an environment variable).
func parsePEM(label string, rest []byte) (pemKey, bool) {
	end := bytes.Index(rest, []byte("-----END "))
	if end < 0 {
		return pemKey{}, false
	}
	k := pemKey{end: end}
	if e := bytes.Index(rest[end+9:], []byte("-----")); e >= 0 && e < 64 {
		k.end = end + 9 + e + 5
	}
	body := strings.ReplaceAll(strings.ReplaceAll(string(rest[:end]), `\n`, "\n"), `\r`, "")
	var b64 strings.Builder
	for line := range strings.Lines(body) {
		line = strings.TrimSpace(line)
		switch {
		case strings.Contains(line, ":"): // an RFC 1421 or armor header
			if strings.HasPrefix(line, "Proc-Type:") && strings.Contains(line, "ENCRYPTED") {
				k.encrypted = true
			}
		case label == "PGP" && strings.HasPrefix(line, "=") && len(line) == 5: // the armor checksum
		default:
			b64.WriteString(line)
		}
	}
	der, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil || len(der) < 32 {
		return pemKey{}, false
	}
	k.body = string(der)
	switch label {
	case "OPENSSH":
		cipher, ok := opensshCipher(der)
		k.kind, k.encrypted = "OpenSSH", cipher != "none"
		return k, ok
	case "PGP":
		// RFC 4880 4.2: a packet tag byte, old or new format, of a Secret-Key
		// packet (tag 5). Whether its key material is protected is not read.
		t := der[0]
		k.kind = "PGP"
		return k, t&0x80 != 0 && ((t&0x40 != 0 && t&0x3f == 5) || (t&0x40 == 0 && (t>>2)&0x0f == 5))
	case "ENCRYPTED":
		k.kind, k.encrypted = "PKCS#8", true
	case "":
		k.kind = "PKCS#8"
	default:
		k.kind = label
	}
	// An ASN.1 SEQUENCE, or, under RFC 1421 encryption headers, cipher
	// text in whole blocks.
	return k, der[0] == 0x30 || (k.encrypted && len(der)%8 == 0)
}

// opensshCipher returns the cipher name of an OpenSSH private key
// ("none" when it is not encrypted), as OpenSSH's PROTOCOL.key lays it
// out: "openssh-key-v1\0", then a uint32-length-prefixed cipher name.
func opensshCipher(der []byte) (string, bool) {
	const magic = "openssh-key-v1\x00"
	rest, ok := bytes.CutPrefix(der, []byte(magic))
	if !ok || len(rest) < 4 {
		return "", false
	}
	n := binary.BigEndian.Uint32(rest)
	if n == 0 || n > 64 || int(n) > len(rest)-4 {
		return "", false
	}
	return string(rest[4 : 4+n]), true
}

// awsSecretNearID finds 40-character random base-64 strings within three
// lines of an AWS access key ID: the ~/.aws/credentials file, a CSV of
// keys downloaded from the console, environment files under other names.
func awsSecretNearID(t *text, limit int) []hit {
	var out []hit
	data := t.data
	for _, w := range t.windows(awsIDKeywords) {
		if !awsID.Match(data[w[0]:w[1]]) {
			continue
		}
		from := w[0]
		for range 3 {
			from = lineStart(data, max(0, from-1))
		}
		to := lineEnd(data, w[1], 3)
		for _, loc := range awsNear.FindAllSubmatchIndex(data[from:to], -1) {
			s := string(data[from+loc[2] : from+loc[3]])
			if !randomBase64(s) || placeholder(s) {
				continue
			}
			out = append(out, hit{start: from + loc[2], end: from + loc[3], secret: s, detail: "next to an access key ID", send: len(s)})
			if len(out) >= limit {
				return out
			}
		}
	}
	return out
}

var awsNear = regexp.MustCompile(`(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)

// dockerAuth is one registry's entry in a Docker config.
type dockerAuth struct {
	Auth          string `json:"auth"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// dockerConfig reads a Docker client config (config.json, with "auths"),
// a legacy .dockercfg (registries at the top level) or a containers
// auth.json, and returns a hit per credential.
func dockerConfig(t *text, limit int) []hit {
	data := t.data
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return nil
	}
	entries := map[string]dockerAuth{}
	if raw, ok := top["auths"]; ok {
		if json.Unmarshal(raw, &entries) != nil {
			return nil
		}
	} else {
		for reg, raw := range top {
			var a dockerAuth
			if json.Unmarshal(raw, &a) == nil {
				entries[reg] = a
			}
		}
	}
	var out []hit
	regs := make([]string, 0, len(entries))
	for reg := range entries {
		regs = append(regs, reg)
	}
	slices.Sort(regs)
	for _, reg := range regs {
		a := entries[reg]
		for _, f := range []struct{ name, value string }{
			{"auth", a.Auth}, {"password", a.Password}, {"identitytoken", a.IdentityToken}, {"registrytoken", a.RegistryToken},
		} {
			if f.value == "" || placeholder(f.value) || (f.name == "auth" && !userPassword(f.value)) {
				continue
			}
			h, ok := locateJSONValue(data, f.name, f.value)
			if !ok {
				continue
			}
			h.secret, h.detail = f.value, "registry "+reg
			out = append(out, h)
			if len(out) >= limit {
				return out
			}
		}
	}
	return out
}

// userPassword reports whether auth is the base 64 of "user:password"
// with a password.
func userPassword(auth string) bool {
	b, err := base64.StdEncoding.DecodeString(auth)
	if err != nil {
		return false
	}
	_, pass, ok := bytes.Cut(b, []byte(":"))
	return ok && len(pass) > 0 && !placeholder(string(pass))
}

// locateJSONValue finds `"name": "value"` in data, for the line and the
// snippet of a hit. Values that JSON escapes are not located.
func locateJSONValue(data []byte, name, value string) (hit, bool) {
	quoted := []byte(`"` + value + `"`)
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], quoted)
		if i < 0 {
			return hit{}, false
		}
		at := off + i
		head := bytes.TrimRight(data[lineStart(data, at):at], " \t:")
		if bytes.HasSuffix(bytes.ToLower(head), []byte(`"`+name+`"`)) {
			start := at - (len(head) - bytes.LastIndexByte(head[:len(head)-1], '"'))
			return hit{start: start, end: at + len(quoted), sstart: at + 1 - start, send: at + 1 + len(value) - start}, true
		}
		off = at + 1
	}
	return hit{}, false
}

// netrcTokens are the white-space separated tokens of a .netrc file with
// their offsets.
func netrcTokens(data []byte) [][2]int {
	var toks [][2]int
	start := -1
	for i, c := range data {
		space := c == ' ' || c == '\t' || c == '\n' || c == '\r'
		switch {
		case space && start >= 0:
			toks = append(toks, [2]int{start, i})
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, [2]int{start, len(data)})
	}
	return toks
}

// netrc reads a .netrc file as netrc(5) describes it and returns a hit per
// password. Macro definitions (macdef) end at an empty line and are
// skipped.
func netrc(t *text, limit int) []hit {
	data := t.data
	toks := netrcTokens(data)
	var out []hit
	machine := ""
	for i := 0; i < len(toks); i++ {
		t := string(data[toks[i][0]:toks[i][1]])
		switch t {
		case "default":
			machine = "default"
		case "machine":
			if i+1 < len(toks) {
				i++
				machine = string(data[toks[i][0]:toks[i][1]])
			}
		case "macdef":
			end := bytes.Index(data[toks[i][1]:], []byte("\n\n"))
			if end < 0 {
				return out
			}
			stop := toks[i][1] + end
			for i+1 < len(toks) && toks[i+1][0] < stop {
				i++
			}
		case "password":
			if i+1 >= len(toks) || machine == "" {
				continue
			}
			i++
			v := string(data[toks[i][0]:toks[i][1]])
			if placeholder(v) {
				continue
			}
			start := toks[i-1][0]
			out = append(out, hit{start: start, end: toks[i][1], secret: v, detail: "machine " + machine,
				sstart: toks[i][0] - start, send: toks[i][1] - start})
			if len(out) >= limit {
				return out
			}
		}
	}
	return out
}
