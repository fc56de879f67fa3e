package hardening

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// sshdSetting is one value an sshd configuration sets.
type sshdSetting struct {
	Keyword string // lower case
	Args    []string
	File    string // rooted
	Line    int
	Layer   int
	Text    string
	Match   string // the Match line's criteria; "" in the global section
}

// sshdConfig is what checkSSHD needs of an sshd configuration: every value
// of the keywords it looks at, in the order sshd reads them.
type sshdConfig struct {
	settings []sshdSetting
}

// global returns the value sshd uses for keyword outside any Match block:
// the first one it reads (sshd keeps the first value of most keywords).
func (c *sshdConfig) global(keyword string) (sshdSetting, bool) {
	for _, s := range c.settings {
		if s.Keyword == keyword && s.Match == "" {
			return s, true
		}
	}
	return sshdSetting{}, false
}

// inMatch returns, for every Match block, the first value it sets for
// keyword: what sshd uses for the connections that block matches (unless
// an earlier matching block set it first).
func (c *sshdConfig) inMatch(keyword string) []sshdSetting {
	var out []sshdSetting
	seen := map[string]bool{}
	for _, s := range c.settings {
		if s.Keyword == keyword && s.Match != "" && !seen[s.Match] {
			seen[s.Match] = true
			out = append(out, s)
		}
	}
	return out
}

// sshdTokens splits an sshd_config line the way OpenSSH's argv_split does
// with comments on: white space separates words, double or single quotes
// group them (a backslash escapes the next quote, backslash or space), and
// an unquoted # at the start of a word ends the line. The keyword may be
// followed by = instead of white space.
func sshdTokens(line string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(line) && (line[i+1] == quote || line[i+1] == '\\') {
				i++
				cur.WriteByte(line[i])
			} else if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return out
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '\'' || line[i+1] == '\\' || line[i+1] == ' '):
			i++
			cur.WriteByte(line[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	// "Keyword=value" and "Keyword = value"
	if len(out) > 0 {
		if k, v, ok := strings.Cut(out[0], "="); ok {
			rest := out[1:]
			out = []string{k}
			if v != "" {
				out = append(out, v)
			}
			out = append(out, rest...)
		} else if len(out) > 1 && strings.HasPrefix(out[1], "=") {
			v := strings.TrimPrefix(out[1], "=")
			rest := out[2:]
			out = out[:1]
			if v != "" {
				out = append(out, v)
			}
			out = append(out, rest...)
		}
	}
	return out
}

// sshdKeywords are the keywords collected (lower case).
var sshdKeywords = map[string]bool{
	"permitrootlogin": true, "passwordauthentication": true, "permitemptypasswords": true,
	"authorizedkeysfile": true,
}

const (
	sshdConfigPath = "etc/ssh/sshd_config"
	// maxSSHDDepth is sshd's own limit on Include nesting
	// (SERVCONF_MAX_DEPTH).
	maxSSHDDepth = 16
	// maxSSHDFiles bounds the files one configuration includes in all.
	maxSSHDFiles = 256
)

// loadSSHD reads sshd_config and what it includes, as sshd does: Include
// takes glob patterns, relative to /etc/ssh when not absolute, expanded
// in lexical order and read in place; a file may include another up to 16
// levels deep. An Include inside a Match block includes the file into that
// block, and a Match block opened in an included file ends with that file
// (what OpenSSH 9.2's sshd -T does: TestSSHDConfigAgainstSSHD).
func (r *run) loadSSHD() (*sshdConfig, bool) {
	if !r.fsys.Exists(sshdConfigPath) {
		return nil, false
	}
	c := &sshdConfig{}
	st := &sshdParse{}
	r.sshdFile(c, st, sshdConfigPath, 0)
	return c, true
}

type sshdParse struct {
	match string // the current Match line and its place, "" when global
	files int
	stack []string
}

func (r *run) sshdFile(c *sshdConfig, st *sshdParse, p string, depth int) {
	if depth > maxSSHDDepth || slices.Contains(st.stack, p) {
		r.warn(p, -1, "sshd_config Include loop or nesting deeper than %d levels (%s): not followed (sshd itself refuses such a configuration)", maxSSHDDepth, strings.Join(append(slices.Clone(st.stack), p), " -> "))
		return
	}
	if st.files++; st.files > maxSSHDFiles {
		if st.files == maxSSHDFiles+1 {
			r.warn(p, -1, "sshd_config includes more than %d files: the rest are not read", maxSSHDFiles)
		}
		return
	}
	data, layer, ok := r.read(p)
	if !ok {
		return
	}
	st.stack = append(st.stack, p)
	defer func() { st.stack = st.stack[:len(st.stack)-1] }()
	for i, raw := range lines(data) {
		toks := sshdTokens(raw)
		if len(toks) == 0 {
			continue
		}
		kw := strings.ToLower(toks[0])
		switch kw {
		case "match":
			crit := strings.Join(toks[1:], " ")
			if len(toks) == 2 && strings.EqualFold(toks[1], "all") {
				crit = "all"
			}
			st.match = fmt.Sprintf("Match %s (%s:%d)", crit, rooted(p), i+1)
		case "include":
			match := st.match
			for _, pat := range toks[1:] {
				if !strings.HasPrefix(pat, "/") {
					pat = "/etc/ssh/" + pat
				}
				pat = strings.TrimPrefix(path.Clean(pat), "/")
				matches := []string{pat}
				if strings.ContainsAny(pat, "*?[") {
					matches = r.fsys.Glob(pat)
				}
				for _, m := range matches {
					r.sshdFile(c, st, m, depth+1)
					st.match = match // a Match block ends with its file
				}
			}
		default:
			if sshdKeywords[kw] && len(toks) > 1 {
				c.settings = append(c.settings, sshdSetting{
					Keyword: kw, Args: toks[1:], File: rooted(p), Line: i + 1, Layer: layer,
					Text: snippet(raw), Match: st.match,
				})
			}
		}
	}
}
