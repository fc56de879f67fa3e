package secret

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/vigil-dev/vigil/check"
)

// rule is one detector. A rule runs only when one of its keywords occurs
// in the file (case-insensitively): a literal search is far cheaper than a
// regular expression, and most files hold none of them. Its expression then
// runs only on the lines around each occurrence (window), so a long file
// with a keyword in one line costs one line of matching. Go's regexp is
// linear in its input, and windows never overlap, so a rule costs at most
// linear time in the file, whatever the file holds.
type rule struct {
	def *check.Definition
	// keywords are lower case; at least one must occur.
	keywords []string
	// file, if set, restricts the rule to files of that base name.
	file func(base string) bool
	// gate, if set, must accept the file before the rule runs.
	gate func(data, lower []byte) bool
	// re finds candidates in windows; its group "secret" is the secret.
	re *regexp.Regexp
	// whole makes the window the whole file instead of the segments
	// where keywords occur.
	whole bool
	// accept validates a candidate (the submatch indexes of re in
	// window w) and returns its detail; nil accepts all.
	accept func(c candidate) (detail string, ok bool)
	// custom replaces re for rules that read structure (PEM blocks,
	// JSON): it returns the hits in data.
	custom func(t *text, limit int) []hit
	// keyMaterial marks secrets that are long random text validated by
	// their structure: placeholder words are not looked for in them.
	keyMaterial bool
	// prefix is how many bytes of the secret are shown: its public prefix;
	// -1 shows a known public prefix (publicPrefixes) if there is one.
	prefix int
}

// candidate is a match of a rule's expression.
type candidate struct {
	data   []byte // the file
	loc    []int  // submatch indexes in data
	secret string
	re     *regexp.Regexp
}

// group returns the named submatch, or "".
func (c candidate) group(name string) string {
	i := c.re.SubexpIndex(name)
	if i < 0 || c.loc[2*i] < 0 {
		return ""
	}
	return string(c.data[c.loc[2*i]:c.loc[2*i+1]])
}

// enabled reports whether one of the rule's keywords occurs in the text.
func (r *rule) enabled(t *text) bool {
	for _, k := range r.keywords {
		if t.has(k) {
			return true
		}
	}
	return false
}

// cores are substrings of many keywords. The occurrences of a core are
// found once per file; those of a keyword holding it are read off them, so
// a file costs one search per core (and per keyword holding none) instead
// of one per keyword, which would cost more than all the rules.
var cores = []string{"token", "auth", "pass", "secret", "key", "xox", "_live_", "gh", "account", "credential"}

// coreOf returns the core k holds and its offset in k, or "" and -1.
func coreOf(k string) (string, int) {
	for _, c := range cores {
		if i := strings.Index(k, c); i >= 0 {
			return c, i
		}
	}
	return "", -1
}

// needles are the strings whose occurrences a file's one indexing pass
// records: the cores, and the keywords holding none. byPrefix maps the
// first two bytes of a needle to the needles starting with them (as
// indexes into needleLists, 0 for none), so the pass costs one table
// lookup per byte of text, whatever the number of keywords. (Searching
// for each needle in turn took a pass per needle, each stopping at every
// occurrence of a common first letter.)
var (
	needles     []string
	needleIndex = map[string]int{}
	needleLists = [][]int{nil}
	byPrefix    [1 << 16]uint16
)

func init() {
	add := func(n string) {
		if _, ok := needleIndex[n]; ok || len(n) < 2 {
			if len(n) < 2 {
				panic("secret: keyword shorter than 2 bytes: " + n)
			}
			return
		}
		needleIndex[n] = len(needles)
		needles = append(needles, n)
		k := uint16(n[0])<<8 | uint16(n[1])
		if byPrefix[k] == 0 {
			byPrefix[k] = uint16(len(needleLists))
			needleLists = append(needleLists, nil)
		}
		needleLists[byPrefix[k]] = append(needleLists[byPrefix[k]], len(needles)-1)
	}
	for _, c := range cores {
		add(c)
	}
	for i := range rules {
		for _, k := range rules[i].keywords {
			if c, _ := coreOf(k); c == "" {
				add(k)
			}
		}
	}
}

// occurrences returns the offsets of needle n in the text, ascending,
// indexing the text on first use.
func (t *text) occurrences(n string) []int {
	if t.occ == nil {
		t.index()
	}
	i, ok := needleIndex[n]
	if !ok {
		panic("secret: not a needle: " + n)
	}
	return t.occ[i]
}

// index records the offsets of every needle in one pass over the text.
func (t *text) index() {
	t.occ = make([][]int, len(needles))
	l := t.lower
	for i := 0; i+1 < len(l); i++ {
		list := byPrefix[uint16(l[i])<<8|uint16(l[i+1])]
		if list == 0 {
			continue
		}
		for _, ni := range needleLists[list] {
			if n := needles[ni]; i+len(n) <= len(l) && string(l[i:i+len(n)]) == n {
				t.occ[ni] = append(t.occ[ni], i)
			}
		}
	}
}

// at reports whether keyword k occurs at offset s.
func (t *text) at(s int, k string) bool {
	return s >= 0 && s+len(k) <= len(t.lower) && string(t.lower[s:s+len(k)]) == k
}

// has reports whether keyword k occurs in the text.
func (t *text) has(k string) bool {
	c, off := coreOf(k)
	if c == "" {
		return len(t.occurrences(k)) > 0
	}
	for _, p := range t.occurrences(c) {
		if t.at(p-off, k) {
			return true
		}
	}
	return false
}

// redact shows the rule's public prefix of secret, then "****"; nothing
// for private keys.
func (r *rule) redact(secret string) string {
	if r.def == &PrivateKey || r.def == &EncryptedPrivateKey || r.def == &GCPServiceAccount {
		return ""
	}
	n := r.prefix
	if n < 0 {
		n = 0
		for _, p := range publicPrefixes {
			if strings.HasPrefix(secret, p) {
				n = len(p)
				break
			}
		}
	}
	return secret[:min(n, len(secret))] + "****"
}

// publicPrefixes are the documented prefixes of tokens, which identify
// the kind of token and reveal nothing of it.
var publicPrefixes = []string{"github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "glpat-", "npm_", "pypi-", "xoxb-", "xoxp-", "sk_live_", "rk_live_"}

// find returns the rule's hits in data, at most limit.
func (r *rule) find(t *text, limit int) []hit {
	if r.custom != nil {
		return r.custom(t, limit)
	}
	var out []hit
	seen := map[string]bool{} // a secret repeated counts once against limit
	si := r.re.SubexpIndex("secret")
	data := t.data
	ws := [][2]int{{0, len(data)}}
	if !r.whole {
		ws = t.windows(r.keywords)
	}
	for _, w := range ws {
		for _, loc := range r.re.FindAllSubmatchIndex(data[w[0]:w[1]], -1) {
			for i := range loc {
				if loc[i] >= 0 {
					loc[i] += w[0]
				}
			}
			c := candidate{data: data, loc: loc, secret: string(data[loc[2*si]:loc[2*si+1]]), re: r.re}
			if seen[c.secret] || (!r.keyMaterial && placeholder(c.secret)) {
				continue
			}
			detail, ok := "", true
			if r.accept != nil {
				detail, ok = r.accept(c)
			}
			if !ok {
				continue
			}
			seen[c.secret] = true
			out = append(out, hit{start: loc[0], end: loc[1], secret: c.secret, detail: detail,
				sstart: loc[2*si] - loc[0], send: loc[2*si+1] - loc[0]})
			if len(out) >= limit {
				return out
			}
		}
	}
	return out
}

// maxSegment bounds a window's unit: a line, or a piece of a longer line
// (minified JavaScript, a file without newlines). Pieces of a long line
// overlap by segmentOverlap bytes so that a secret across a cut is seen.
const (
	maxSegment     = 4 << 10
	segmentOverlap = 512
)

// text is one file being scanned.
type text struct {
	data, lower []byte
	segs        []int   // segment starts, then len(data); see segments
	occ         [][]int // offsets of each needle (occurrences)
}

// segments returns the starts of data's segments (lines cut at
// maxSegment), then len(data), computing them once.
func (t *text) segments() []int {
	if t.segs != nil {
		return t.segs
	}
	t.segs = []int{0}
	for pos := 0; pos < len(t.data); {
		hi := min(len(t.data), pos+maxSegment)
		if i := bytes.IndexByte(t.data[pos:hi], '\n'); i >= 0 {
			hi = pos + i + 1
		}
		if pos = hi; pos < len(t.data) {
			t.segs = append(t.segs, pos)
		}
	}
	t.segs = append(t.segs, len(t.data))
	return t.segs
}

// windows returns the disjoint ranges of t, in order, made of the
// segments where keywords occur. Each occurrence (from the one indexing
// pass) costs a step along the segments, so the windows of a file cost
// linear time whatever it holds (ten million keywords on one line
// included).
func (t *text) windows(keywords []string) [][2]int {
	var ws [][2]int
	for _, k := range keywords {
		w := windower{t: t, segs: t.segments(), lastEnd: -1}
		if c, off := coreOf(k); c != "" {
			for _, p := range t.occurrences(c) {
				if t.at(p-off, k) {
					ws = w.add(ws, p-off, len(k))
				}
			}
			continue
		}
		for _, p := range t.occurrences(k) {
			ws = w.add(ws, p, len(k)) // occurrences in the last window add nothing
		}
	}
	return merge(ws)
}

// windower turns ascending occurrences into windows of segments.
type windower struct {
	t       *text
	segs    []int
	seg     int // the segment of the last occurrence
	lastEnd int // the end of the last window's segments
}

// add appends the window of the occurrence at offset at, n bytes long,
// unless the last window holds it.
func (w *windower) add(ws [][2]int, at, n int) [][2]int {
	if at+n <= w.lastEnd {
		return ws
	}
	segs := w.segs
	for segs[w.seg+1] <= at {
		w.seg++
	}
	last := w.seg
	for segs[last+1] < at+n {
		last++
	}
	start, end := segs[w.seg], segs[last+1]
	w.lastEnd = end
	data := w.t.data
	if start > 0 && data[start-1] != '\n' {
		start = max(0, start-segmentOverlap)
	}
	if end < len(data) && data[end-1] != '\n' {
		end = min(len(data), end+segmentOverlap)
	}
	return append(ws, [2]int{start, end})
}

// lineStart returns the start of the line holding offset at, looking back
// at most maxSegment bytes.
func lineStart(data []byte, at int) int {
	lo := max(0, at-maxSegment)
	if i := bytes.LastIndexByte(data[lo:at], '\n'); i >= 0 {
		return lo + i + 1
	}
	return lo
}

// lineEnd returns the end of the line holding offset at, and of extra
// lines after it, looking at most maxSegment bytes ahead per line.
func lineEnd(data []byte, at, extra int) int {
	for n := 0; ; n++ {
		hi := min(len(data), at+maxSegment)
		i := bytes.IndexByte(data[at:hi], '\n')
		if i < 0 {
			return hi
		}
		at += i + 1
		if n == extra {
			return at
		}
	}
}

// merge sorts ranges and joins those that overlap or touch.
func merge(ws [][2]int) [][2]int {
	if len(ws) < 2 {
		return ws
	}
	sortRanges(ws)
	out := ws[:1]
	for _, w := range ws[1:] {
		last := &out[len(out)-1]
		if w[0] <= last[1] {
			last[1] = max(last[1], w[1])
			continue
		}
		out = append(out, w)
	}
	return out
}

func sortRanges(ws [][2]int) {
	slices.SortFunc(ws, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
}
