package layerfs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Matcher decides which files of a layer are worth keeping in memory: the
// files that catalogers read. Everything else is indexed (path, type, size,
// link) but its content is discarded as the layer streams past.
//
// A pattern is a slash-separated path relative to the root, without a
// leading slash, in path.Match syntax per component ("var/lib/dpkg/info/*.list").
// A pattern that starts with "**/" matches its remainder at any depth
// ("**/package.json").
type Matcher struct {
	patterns []string
	exact    map[string]bool
	globs    []glob   // patterns with metacharacters, rooted
	anyDepth []string // remainders of "**/" patterns
	anyLast  []lastComp
	anyComps []int    // their numbers of components
	large    *Matcher // files allowed Limits.MaxDatabaseSize
	sniffs   []sniff
	plain    *Matcher // the patterns no sniff applies to, when there are sniffs
}

// glob is a rooted pattern with metacharacters, with what rules out most
// paths before path.Match runs: "*" never crosses a slash, so a match has
// as many components as the pattern, and starts with its literal prefix.
type glob struct {
	pattern string
	prefix  string // up to the first metacharacter
	comps   int
}

func newGlob(p string) glob {
	i := strings.IndexAny(p, `*?[\`)
	return glob{pattern: p, prefix: p[:i], comps: strings.Count(p, "/") + 1}
}

// lastComp is the last component of a "**/" pattern, compiled to the test
// it needs: most are a literal name ("package.json") or "*" followed by a
// literal suffix ("*.jar"), which need no path.Match.
type lastComp struct {
	pattern string
	literal bool   // pattern has no metacharacter
	suffix  string // set when pattern is "*" + a literal suffix
}

func newLastComp(p string) lastComp {
	switch {
	case !strings.ContainsAny(p, `*?[\`):
		return lastComp{pattern: p, literal: true}
	case strings.HasPrefix(p, "*") && !strings.ContainsAny(p[1:], `*?[\`):
		return lastComp{pattern: p, suffix: p[1:]}
	}
	return lastComp{pattern: p}
}

func (c lastComp) match(base string) bool {
	switch {
	case c.literal:
		return base == c.pattern
	case c.suffix != "":
		return strings.HasSuffix(base, c.suffix)
	}
	ok, _ := path.Match(c.pattern, base)
	return ok
}

// sniff is a content test, and optionally a reduction, for the files some
// patterns select.
type sniff struct {
	name    string
	m       *Matcher
	fn      func(head []byte) bool
	reduce  func(p string, data []byte) ([]byte, error)
	maxRead int64
}

// readSize is how much of a file of size bytes is read: all of it, or
// the filter's MaxRead. s may be nil.
func (s *sniff) readSize(size int64) int64 {
	if s != nil && s.maxRead > 0 && size > s.maxRead {
		return s.maxRead
	}
	return size
}

// Filter selects files by content and may keep only part of them.
type Filter struct {
	// Name identifies the filter in cache keys: change it when Sniff or
	// Reduce change what they keep.
	Name string
	// Patterns select the files the filter applies to.
	Patterns []string
	// Sniff, if set, sees a file's first SniffSize bytes (all of it if it is
	// smaller) and says whether the file is of interest. Files it rejects
	// are indexed but neither kept nor listed by FS.Matched. It must not
	// keep head, whose memory is reused.
	Sniff func(head []byte) bool
	// Reduce, if set, turns the content of a file of interest (at most its
	// size limit) into what is kept of it: the few entries of a Java archive
	// that name its packages, one section of an executable. It returns nil
	// and no error when nothing in the file is of interest, and an error
	// (reported as a warning) when the file is malformed. Reduce must bound
	// its own work: its input comes from the image. It must not keep data,
	// whose memory is reused for the next file.
	Reduce func(path string, data []byte) ([]byte, error)
	// MaxRead, if positive, bounds what Reduce sees of a file: its first
	// MaxRead bytes; the rest is skipped as the layer streams past, and a
	// longer file is not "over the size limit".
	MaxRead int64
}

// SniffSize is how much of a file a sniff function sees.
const SniffSize = 8 << 10

// NewMatcher compiles patterns. It rejects malformed patterns so that a typo
// in a cataloger fails its tests instead of silently matching nothing.
func NewMatcher(patterns ...string) (*Matcher, error) {
	m := &Matcher{exact: map[string]bool{}}
	for _, p := range patterns {
		if p == "" || p == "." || p == ".." || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") || path.Clean(p) != p {
			return nil, fmt.Errorf("layerfs: pattern %q must be a clean relative path", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("layerfs: pattern %q: %w", p, err)
		}
		m.patterns = append(m.patterns, p)
		switch {
		case strings.HasPrefix(p, "**/"):
			rest := strings.TrimPrefix(p, "**/")
			m.anyDepth = append(m.anyDepth, rest)
			m.anyLast = append(m.anyLast, newLastComp(path.Base(rest)))
			m.anyComps = append(m.anyComps, strings.Count(rest, "/")+1)
		case strings.ContainsAny(p, `*?[\`):
			m.globs = append(m.globs, newGlob(p))
		default:
			m.exact[p] = true
		}
	}
	slices.Sort(m.patterns)
	m.patterns = slices.Compact(m.patterns)
	return m, nil
}

// Match reports whether the file at p (clean, relative) should be captured.
func (m *Matcher) Match(p string) bool {
	if m == nil {
		return false
	}
	if m.exact[p] {
		return true
	}
	if len(m.globs) > 0 {
		comps := strings.Count(p, "/") + 1
		for _, g := range m.globs {
			if g.comps != comps || !strings.HasPrefix(p, g.prefix) {
				continue
			}
			if ok, _ := path.Match(g.pattern, p); ok {
				return true
			}
		}
	}
	if len(m.anyDepth) > 0 {
		// A remainder of n components ("*" never crosses a slash) can only
		// match the last n components of p: test the last component first,
		// which rules out nearly every path at the cost of one comparison.
		base := p[strings.LastIndexByte(p, '/')+1:]
		for i, g := range m.anyDepth {
			if !m.anyLast[i].match(base) {
				continue
			}
			start, n := len(p), m.anyComps[i]
			for ; n > 0 && start >= 0; n-- {
				start = strings.LastIndexByte(p[:max(start, 0)], '/')
			}
			if n > 0 {
				continue // p has fewer components
			}
			if ok, _ := path.Match(g, p[start+1:]); ok {
				return true
			}
		}
	}
	return false
}

// WithLarge returns a matcher that also matches patterns and marks the files
// they match as large: their size limit is Limits.MaxDatabaseSize instead of
// Limits.MaxFileSize.
func (m *Matcher) WithLarge(patterns ...string) (*Matcher, error) {
	large, err := NewMatcher(patterns...)
	if err != nil {
		return nil, err
	}
	out, err := m.extend(patterns)
	if err != nil {
		return nil, err
	}
	out.large = large
	return out, nil
}

// extend returns a copy of m that also matches patterns.
func (m *Matcher) extend(patterns []string) (*Matcher, error) {
	out, err := NewMatcher(append(m.Patterns(), patterns...)...)
	if err != nil {
		return nil, err
	}
	out.large, out.sniffs = m.large, m.sniffs
	if m.plain != nil {
		// The new patterns come without a content test.
		if out.plain, err = NewMatcher(append(m.plain.Patterns(), patterns...)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WithSniff returns a matcher that also matches patterns, but keeps a file
// they select only if fn accepts its first SniffSize bytes (all of it if it
// is smaller). It lets a cataloger name broad places, such as every file in
// usr/bin, and keep only the files that hold what it reads, such as Go
// binaries: the others are not kept in memory nor listed by FS.Matched.
// name identifies fn in the cache key: change it when fn changes.
func (m *Matcher) WithSniff(name string, fn func(head []byte) bool, patterns ...string) (*Matcher, error) {
	return m.WithFilter(Filter{Name: name, Patterns: patterns, Sniff: fn})
}

// WithFilter returns a matcher that also matches f.Patterns and applies f
// to the files they select, unless a pattern without a filter also selects
// them. When several filters select a file, the first whose Sniff accepts
// it decides what is kept.
func (m *Matcher) WithFilter(f Filter) (*Matcher, error) {
	if f.Name == "" {
		return nil, fmt.Errorf("layerfs: a filter needs a name")
	}
	sm, err := NewMatcher(f.Patterns...)
	if err != nil {
		return nil, err
	}
	out, err := m.extend(f.Patterns)
	if err != nil {
		return nil, err
	}
	fn := f.Sniff
	if fn == nil {
		fn = func([]byte) bool { return true }
	}
	out.sniffs = append(slices.Clone(m.sniffs), sniff{name: f.Name, m: sm, fn: fn, reduce: f.Reduce, maxRead: f.MaxRead})
	sniffed := map[string]bool{}
	for _, s := range out.sniffs {
		for _, p := range s.m.patterns {
			sniffed[p] = true
		}
	}
	var plain []string
	for _, p := range out.patterns {
		if !sniffed[p] {
			plain = append(plain, p)
		}
	}
	if out.plain, err = NewMatcher(plain...); err != nil {
		return nil, err
	}
	return out, nil
}

// filtered reports whether content filters apply to p. A file that a
// pattern without a filter also selects (go.mod at the root, under a
// cataloger's "*" for binaries) is kept whole whatever its content.
func (m *Matcher) filtered(p string) bool {
	if m == nil || len(m.sniffs) == 0 || m.plain.Match(p) {
		return false
	}
	for _, s := range m.sniffs {
		if s.m.Match(p) {
			return true
		}
	}
	return false
}

// sniff returns the filter that accepts the file p, whose first bytes are
// head, or nil when none does (the file is not of interest). Only call it
// when filtered(p).
func (m *Matcher) sniff(p string, head []byte) *sniff {
	for i := range m.sniffs {
		if s := &m.sniffs[i]; s.m.Match(p) && s.fn(head) {
			return s
		}
	}
	return nil
}

// Large reports whether p is one of the large files of WithLarge.
func (m *Matcher) Large(p string) bool {
	return m != nil && m.large != nil && m.large.Match(p)
}

// Patterns returns the sorted, de-duplicated patterns.
func (m *Matcher) Patterns() []string { return slices.Clone(m.patterns) }

// Key is a digest of the patterns. Cached layer extracts are keyed by it, so
// a change in what catalogers read invalidates them.
func (m *Matcher) Key() string {
	key := strings.Join(m.patterns, "\n")
	if m.large != nil {
		key += "\nlarge:\n" + strings.Join(m.large.patterns, "\n")
	}
	for _, s := range m.sniffs {
		key += "\nsniff " + s.name + ":\n" + strings.Join(s.m.patterns, "\n")
		if s.reduce != nil {
			key += fmt.Sprintf("\nreduced %d", s.maxRead)
		}
	}
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:8])
}
