package secret

import "bytes"

// genericFinder finds NAME = value assignments whose NAME holds a secret
// word (genericKeywords), by reading the text around each occurrence of
// the word instead of running a regular expression over the lines: the
// words are common (password, token, secret occur in most configuration
// files and scripts), and an expression that must find a name of any
// length before them matched at about 2 MB/s where this reads at memory
// speed. The grammar, per occurrence:
//
//	name   = [A-Za-z0-9_.-]{0,40} word [A-Za-z0-9_.-]{0,40}
//	assign = name ["'] ? [ \t]* (":=" | "=>" | "==" | "=" | ":") [ \t]* ["'`]?
//	value  = [^ \t\r\n"'`;,]{8,256}
func genericFinder(t *text, limit int) []hit {
	var out []hit
	seen := map[string]bool{}
	lastName := -1
	for _, w := range t.windows(genericKeywords) {
		for _, k := range genericKeywords {
			for off := w[0]; off < w[1]; {
				i := bytes.Index(t.lower[off:w[1]], []byte(k))
				if i < 0 {
					break
				}
				at := off + i
				off = at + len(k)
				h, ok := genericAt(t.data, at, len(k), w[1])
				if !ok || h.start == lastName || seen[h.secret] {
					continue
				}
				lastName = h.start
				seen[h.secret] = true
				out = append(out, h)
				if len(out) >= limit {
					return out
				}
			}
		}
	}
	return out
}

func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

// genericAt reads the assignment around the word at data[at:at+n], within
// data[:end].
func genericAt(data []byte, at, n, end int) (hit, bool) {
	start := at
	for start > 0 && at-start < 40 && nameByte(data[start-1]) {
		start--
	}
	p := at + n
	for p < end && p-at-n < 40 && nameByte(data[p]) {
		p++
	}
	name := string(data[start:p])
	if p < end && (data[p] == '"' || data[p] == '\'') {
		p++
	}
	p = skipBlanks(data, p, end)
	op := ""
	for _, o := range []string{":=", "=>", "==", "=", ":"} {
		if bytes.HasPrefix(data[p:end], []byte(o)) {
			op = o
			break
		}
	}
	if op == "" || op == "==" {
		return hit{}, false
	}
	p = skipBlanks(data, p+len(op), end)
	if p < end && (data[p] == '"' || data[p] == '\'' || data[p] == '`') {
		p++
	}
	vs := p
	for p < end && p-vs < 256 && !valueEnd(data[p]) {
		p++
	}
	v := string(data[vs:p])
	if len(v) < 8 || placeholder(v) {
		return hit{}, false
	}
	detail, ok := generic(name, v)
	return hit{start: start, end: p, secret: v, detail: detail, sstart: vs - start, send: p - start}, ok
}

func skipBlanks(data []byte, p, end int) int {
	for p < end && (data[p] == ' ' || data[p] == '\t') {
		p++
	}
	return p
}

// valueEnd reports whether c ends a value.
func valueEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '`', ';', ',':
		return true
	}
	return false
}
